package ingest

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

// kitchenSink uses every field kind, so each kind's checks, its encoding
// and its Go values are tested before any contract relies on it.
func kitchenSink() *Registry {
	r := &Registry{types: map[string]*EventType{}, families: map[string]Family{}}
	t := &EventType{Name: "com.flexhub.test.sink", Family: "test", Table: "sink", KeyField: "id", Fields: []Field{
		{Name: "id", Kind: FieldID, Required: true},
		{Name: "name", Kind: FieldString, Max: 5},
		{Name: "at", Kind: FieldTime},
		{Name: "flag", Kind: FieldBool},
		{Name: "n", Kind: FieldCount, Max: 100},
		{Name: "kind", Kind: FieldEnum, Enum: []string{"", "a", "b"}},
		{Name: "start", Kind: FieldDate, Required: true},
		{Name: "end", Kind: FieldDate},
		{Name: "mos", Kind: FieldFloat, MinFloat: 1, MaxFloat: 5},
		{Name: "features", Kind: FieldEnumList, Enum: []string{"queue", "park", "transfer"}, Max: 3},
		{Name: "licenses", Kind: FieldCountMap, Enum: []string{"KW", "CA", "TP"}},
		{Name: "streams", Kind: FieldObjects, Max: 2, Sub: []Field{
			{Name: "direction", Kind: FieldEnum, Required: true, Enum: []string{"in", "out"}},
			{Name: "jitter_ms", Kind: FieldFloat, MaxFloat: 10_000},
			{Name: "packets", Kind: FieldCount},
		}},
	}}
	t.init()
	r.types[t.Name] = t
	return r
}

func sinkEvent(data string) []byte {
	return []byte(`{"specversion":"1.0","id":"e1","source":"/t","type":"com.flexhub.test.sink","time":"2026-11-24T10:00:00Z","data":{` + data + `}}`)
}

const sinkFull = `"id":"x-1","name":"héllo","at":"2026-11-24T10:00:00.250Z","flag":true,"n":100,"kind":"b",` +
	`"start":"2026-01-31","end":"2148-12-31","mos":4.25,"features":["park","queue"],"licenses":{"TP":3,"KW":1000,"CA":0},` +
	`"streams":[{"direction":"in","jitter_ms":12.5,"packets":900},{"direction":"out"}]`

func TestFieldKindsColumnsAndValues(t *testing.T) {
	reg := kitchenSink()
	typ, _ := reg.Type("com.flexhub.test.sink")
	var cols []string
	for _, c := range typ.Columns {
		cols = append(cols, c.Name+" "+c.Type)
	}
	wantCols := []string{"id String", "name String", "at DateTime64(3)", "flag Bool", "n UInt32", "kind String",
		"start Date", "end Nullable(Date)", "mos Float64", "features Array(LowCardinality(String))",
		"licenses Map(LowCardinality(String), UInt32)", "streams.direction Array(String)",
		"streams.jitter_ms Array(Float32)", "streams.packets Array(UInt32)", "event_id String"}
	if !reflect.DeepEqual(cols, wantCols) {
		t.Fatalf("columns\n got %v\nwant %v", cols, wantCols)
	}
	ev, err := reg.NewDecoder().Decode(sinkEvent(sinkFull))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"x-1", "héllo", time.Date(2026, 11, 24, 10, 0, 0, 250_000_000, time.UTC), true, uint32(100), "b",
		time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), time.Date(2148, 12, 31, 0, 0, 0, 0, time.UTC), 4.25,
		[]string{"park", "queue"}, map[string]uint32{"KW": 1000, "CA": 0, "TP": 3},
		[]string{"in", "out"}, []float32{12.5, 0}, []uint32{900, 0}, "e1"}
	if got := ev.Values(); !reflect.DeepEqual(got, want) {
		t.Errorf("values\n got %#v\nwant %#v", got, want)
	}
	// Absent optional members: zero values, and NULL for the date.
	ev, err = reg.NewDecoder().Decode(sinkEvent(`"id":"x-2","start":"1970-01-01"`))
	if err != nil {
		t.Fatal(err)
	}
	vals := ev.Values()
	if vals[7] != nil || len(vals[9].([]string)) != 0 || len(vals[10].(map[string]uint32)) != 0 || len(vals[11].([]string)) != 0 {
		t.Errorf("absent members: %#v", vals)
	}
	// The unchecked encoding writes the bytes the checked Append writes.
	for _, data := range []string{sinkFull, `"id":"x-2","start":"1970-01-01"`} {
		ev, err := reg.NewDecoder().Decode(sinkEvent(data))
		if err != nil {
			t.Fatal(err)
		}
		fast, checked := warehouse.MustBatch("sink", typ.Columns), warehouse.MustBatch("sink", typ.Columns)
		ev.Encode(fast)
		if err := checked.Append(ev.Values()...); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fast.Bytes(), checked.Bytes()) {
			t.Errorf("Encode and Append differ for %s:\n%x\n%x", data, fast.Bytes(), checked.Bytes())
		}
	}
}

func TestFieldKindsRefuse(t *testing.T) {
	reg := kitchenSink()
	for _, tc := range []struct{ data, reason string }{
		{`"start":"2026-01-01"`, "id is required"},
		{`"id":"x","start":"2026-01-01","name":"toolong"`, "name is longer than 5 characters"},
		{`"id":"x","start":"2026-01-01","n":101`, "n 101 is outside 0-100"},
		{`"id":"x","start":"2026-01-01","n":1.5`, "n must be an integer"},
		{`"id":"x","start":"2026-01-01","n":1e2`, "n must be an integer"},
		{`"id":"x","start":"2026-02-30"`, "start \"2026-02-30\" is not a date"},
		{`"id":"x","start":"2026-1-01"`, "is not a date"},
		{`"id":"x","start":"1969-12-31"`, "outside 1970-01-01..2148-12-31"},
		{`"id":"x","start":"2149-01-01"`, "outside 1970-01-01..2148-12-31"},
		{`"id":"x"`, "start is required"},
		{`"id":"x","start":"2026-01-01","end":null`, "end must be a string"},
		{`"id":"x","start":"2026-01-01","mos":5.01`, "mos 5.01 is outside 1-5"},
		{`"id":"x","start":"2026-01-01","mos":"4"`, "mos must be a number"},
		{`"id":"x","start":"2026-01-01","features":["queue","queue"]`, "features lists \"queue\" twice"},
		{`"id":"x","start":"2026-01-01","features":["hold"]`, "features[0] must be one of"},
		{`"id":"x","start":"2026-01-01","features":"queue"`, "features must be an array"},
		{`"id":"x","start":"2026-01-01","features":["queue","park","transfer","queue"]`, "at most 3"},
		{`"id":"x","start":"2026-01-01","licenses":{"XX":1}`, "licenses has key \"XX\""},
		{`"id":"x","start":"2026-01-01","licenses":{"KW":-1}`, "licenses.KW -1 is outside"},
		{`"id":"x","start":"2026-01-01","licenses":[1]`, "licenses must be an object"},
		{`"id":"x","start":"2026-01-01","streams":[{}]`, "streams[0].direction is required"},
		{`"id":"x","start":"2026-01-01","streams":[{"direction":"in","x":1}]`, "unknown member \"streams[0].x\""},
		{`"id":"x","start":"2026-01-01","streams":[{"direction":"in"},{"direction":"in"},{"direction":"in"}]`, "at most 2"},
		{`"id":"x","start":"2026-01-01","streams":[1]`, "streams[0] must be an object"},
		{`"id":"x","start":"2026-01-01","id":"y"`, "member \"id\" appears twice"},
	} {
		_, err := reg.NewDecoder().Decode(sinkEvent(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: error %v, want %q", tc.data, err, tc.reason)
		}
	}
}
