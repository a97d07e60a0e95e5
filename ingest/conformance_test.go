package ingest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/flexhub/flexhub/schemas"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// conformanceCase is one event both validators judge.
type conformanceCase struct {
	name, event string
}

// conformanceFamilies lists each family's cases; every registered event
// type must have at least one valid case.
var conformanceFamilies = []func() []conformanceCase{inventoryCases, commerceCases, partnerCases, callingCases}

// The hot path validates with hand-written checks (a JSON Schema validator
// is too slow for the ingest rate). This test keeps the two in agreement:
// for every case, ingest accepts exactly when the JSON Schemas accept.
func TestValidatorsAgreeWithJSONSchemas(t *testing.T) {
	v, err := schemas.NewEventValidator()
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry("flexhub.")
	validOf := map[string]bool{}
	for _, family := range conformanceFamilies {
		for _, c := range family() {
			t.Run(c.name, func(t *testing.T) {
				schemaErr := v.Validate([]byte(c.event))
				ev, err := reg.NewDecoder().Decode([]byte(c.event))
				if (schemaErr == nil) != (err == nil) {
					t.Fatalf("disagree: JSON Schema says %v, ingest says %v", schemaErr, err)
				}
				if err == nil {
					validOf[ev.Type.Name] = true
				}
			})
		}
	}
	for _, typ := range v.Types() {
		if _, ok := reg.Type(typ); !ok {
			t.Errorf("%s has a JSON Schema but no contract in ingest", typ)
		}
		if !validOf[typ] {
			t.Errorf("%s: no valid conformance case", typ)
		}
	}
}

func inventoryCases() []conformanceCase {
	user := string(userEvent("cl-1", 1))
	device := `{"specversion":"1.0","id":"d1","source":"/ucm/clusters/cl-1","type":"com.flexhub.ucm.device.observed","time":"2026-11-20T02:00:00Z","data":{"partner_id":"p1","customer_id":"c1","cluster_id":"cl-1","sync_id":"s1","synced_at":"2026-11-20T02:00:00Z","device_id":"SEP1","device_type":"desk_phone","associated_user_id":"user-1","telepresence":false,"location":"office"}}`
	sync := `{"specversion":"1.0","id":"s1","source":"/ucm/clusters/cl-1","type":"com.flexhub.ucm.cluster.synced","time":"2026-11-20T02:00:00Z","subject":"customers/c1","data":{"partner_id":"p1","customer_id":"c1","cluster_id":"cl-1","sync_id":"s1","synced_at":"2026-11-20T02:00:00Z","cluster_name":"AMS-UCM-01","region":"eu-west-ams","version":"12.5.1","publisher":"pub1","user_count":1,"device_count":1}}`
	r := strings.Replace
	return []conformanceCase{
		{"valid user", user},
		{"valid device", device},
		{"valid sync", sync},
		{"user without optional fields", r(user, `,"directory_number":"+3120000001","enterprise_directory_profile":true,"voicemail":true`, "", 1)},
		{"device without owner or location", r(r(device, `,"associated_user_id":"user-1"`, "", 1), `,"location":"office"`, "", 1)},
		{"missing specversion", r(user, `"specversion":"1.0",`, "", 1)},
		{"wrong specversion", r(user, `"1.0"`, `"1.1"`, 1)},
		{"empty id", r(user, `"id":"u-cl-1-1"`, `"id":""`, 1)},
		{"missing source", r(user, `"source":"/ucm/clusters/cl-1",`, "", 1)},
		{"time not a timestamp", r(user, `"time":"2026-11-20T02:00:00Z"`, `"time":"20 Nov"`, 1)},
		{"data not an object", r(device, device[strings.Index(device, `"data":`):], `"data":[1]}`, 1)},
		{"unknown type", r(user, "user.observed", "user.deleted", 1)},
		{"missing partner_id", r(user, `"partner_id":"p1",`, "", 1)},
		{"bad id character", r(user, `"user_id":"user-1"`, `"user_id":"user 1"`, 1)},
		{"id starting with a dash", r(user, `"user_id":"user-1"`, `"user_id":"-user"`, 1)},
		{"id too long", r(user, `"user_id":"user-1"`, `"user_id":"`+strings.Repeat("u", 129)+`"`, 1)},
		{"bool as string", r(user, `"voicemail":true`, `"voicemail":"true"`, 1)},
		{"bool as null", r(user, `"voicemail":true`, `"voicemail":null`, 1)},
		{"string as null", r(user, `"user_id":"user-1"`, `"user_id":null`, 1)},
		{"count as float", r(sync, `"user_count":1`, `"user_count":1.5`, 1)},
		{"owner with a bad character", r(device, `"associated_user_id":"user-1"`, `"associated_user_id":"user 1"`, 1)},
		{"owner empty", r(device, `"associated_user_id":"user-1"`, `"associated_user_id":""`, 1)},
		{"id not a string", r(user, `"id":"u-cl-1-1"`, `"id":7`, 1)},
		{"subject not a string", r(sync, `"subject":"customers/c1"`, `"subject":1`, 1)},
		{"count above limit", r(sync, `"user_count":1`, `"user_count":10000001`, 1)},
		{"envelope extension attribute", r(user, `"specversion":"1.0",`, `"specversion":"1.0","partnerext":"x",`, 1)},
		{"duplicate-free envelope extension", r(user, `"specversion":"1.0",`, `"specversion":"1.0","partnerext":"x",`, 1)},
		{"unknown data member", r(user, `"voicemail":true`, `"voicemail":true,"extra":1`, 1)},
		{"synced_at not a timestamp", r(user, `"synced_at":"2026-11-20T02:00:00Z"`, `"synced_at":"2026-11-20"`, 1)},
		{"device type not in enum", r(device, `"desk_phone"`, `"fax"`, 1)},
		{"location not in enum", r(device, `"office"`, `"roof"`, 1)},
		{"device without type", r(device, `"device_type":"desk_phone",`, "", 1)},
		{"sync negative count", r(sync, `"user_count":1`, `"user_count":-1`, 1)},
		{"sync count as string", r(sync, `"user_count":1`, `"user_count":"1"`, 1)},
		{"sync missing count", r(sync, `,"device_count":1`, "", 1)},
		{"sync bad version", r(sync, `"12.5.1"`, `"12.x"`, 1)},
		{"sync empty region", r(sync, `"eu-west-ams"`, `""`, 1)},
		{"directory number too long", r(user, `"+3120000001"`, `"`+strings.Repeat("1", 65)+`"`, 1)},
	}
}

// The hot path encodes events into RowBinary without the checks of
// Batch.Append; over the demo world's whole mix it must write exactly the
// bytes the checked path writes.
func TestEncodeWritesWhatAppendWrites(t *testing.T) {
	reg := NewRegistry("flexhub.")
	dec := reg.NewDecoder()
	fast, checked := map[string]*warehouse.Batch{}, map[string]*warehouse.Batch{}
	n := 0
	benchEvents(30_000, func(chunk []kafka.Message) {
		for _, m := range chunk {
			ev, err := dec.Decode(m.Value)
			if err != nil {
				t.Fatal(err)
			}
			if fast[ev.Type.Table] == nil {
				fast[ev.Type.Table] = warehouse.MustBatch(ev.Type.Table, ev.Type.Columns)
				checked[ev.Type.Table] = warehouse.MustBatch(ev.Type.Table, ev.Type.Columns)
			}
			ev.Encode(fast[ev.Type.Table])
			if err := checked[ev.Type.Table].Append(ev.Values()...); err != nil {
				t.Fatal(err)
			}
			n++
		}
	})
	if len(fast) != 3 {
		t.Fatalf("%d tables, want the three inventory tables", len(fast))
	}
	for table, b := range fast {
		if b.Rows() != checked[table].Rows() || !bytes.Equal(b.Bytes(), checked[table].Bytes()) {
			t.Errorf("%s: Encode wrote %d rows / %d bytes, Append %d rows / %d bytes", table,
				b.Rows(), len(b.Bytes()), checked[table].Rows(), len(checked[table].Bytes()))
		}
	}
	t.Logf("%d events compared", n)
}

// Every valid conformance case is written into its table in a migrated
// database and read back: a contract and its table cannot drift apart.
func TestEveryContractInsertsIntoItsTable(t *testing.T) {
	w := whtest.Database(t)
	ctx := context.Background()
	reg := NewRegistry("flexhub.")
	dec := reg.NewDecoder()
	want := map[string]int{}
	inserted := 0
	for _, family := range conformanceFamilies {
		for _, c := range family() {
			ev, err := dec.Decode([]byte(c.event))
			if err != nil {
				continue
			}
			b := warehouse.MustBatch(ev.Type.Table, ev.Type.Columns)
			ev.Encode(b)
			// A token per case: identical rows of two cases would otherwise
			// be one block to the table's deduplication.
			if err := w.Insert(ctx, b, fmt.Sprintf("case-%d", inserted)); err != nil {
				t.Fatalf("%s into %s: %v", c.name, ev.Type.Table, err)
			}
			want[ev.Type.Table]++
			inserted++
		}
	}
	for table, n := range want {
		res, err := w.Query(ctx, "SELECT count() FROM {db:Identifier}.{table:Identifier}", warehouse.P("table", table))
		if err != nil {
			t.Fatal(err)
		}
		if got := warehouse.Int(res.Rows[0][0]); got != int64(n) {
			t.Errorf("%s: %d rows, want %d", table, got, n)
		}
	}
}
