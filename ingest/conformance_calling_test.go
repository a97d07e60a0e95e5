package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/flexhub/flexhub/schemas"
)

func callingCases() []conformanceCase {
	cdr := `{"specversion":"1.0","id":"cdr1","source":"/calling/cdr","type":"com.flexhub.calling.call.recorded","time":"2026-11-20T09:20:00Z","data":{"partner_id":"p1","customer_id":"c1","call_id":"call-1","user_id":"u1","started_at":"2026-11-20T09:14:03.250Z","duration_seconds":312,"direction":"inbound","endpoint_type":"desk_phone","streams":[{"media":"audio","mos":4.3,"jitter_ms":4.2,"packet_loss_pct":0.1,"rtt_ms":38,"packets":15600},{"media":"video","jitter_ms":12,"packet_loss_pct":0,"rtt_ms":40,"packets":90000}],"features":["call_queue","transfer"]}}`
	queue := `{"specversion":"1.0","id":"q1","source":"/calling/queues","type":"com.flexhub.calling.queue_call.completed","time":"2026-11-20T09:16:00Z","data":{"partner_id":"p1","customer_id":"c1","queue_id":"q-sales","queue_name":"Sales NL","call_id":"call-1","enqueued_at":"2026-11-20T09:14:05Z","outcome":"answered","ended_at":"2026-11-20T09:14:47Z","agent_id":"u7"}}`
	moved := `{"specversion":"1.0","id":"q2","source":"/calling/queues","type":"com.flexhub.calling.queue_call.completed","time":"2026-11-20T09:16:00Z","data":{"partner_id":"p1","customer_id":"c1","queue_id":"q-sales","queue_name":"Sales NL","call_id":"call-2","enqueued_at":"2026-11-20T09:14:05Z","outcome":"moved_to_queue","ended_at":"2026-11-20T09:15:05Z","to_queue_id":"q-overflow"}}`
	license := `{"specversion":"1.0","id":"l1","source":"/calling/licenses","type":"com.flexhub.calling.user_license.changed","time":"2026-03-02T08:00:00Z","data":{"partner_id":"p1","customer_id":"c1","user_id":"u1","state":"assigned","changed_at":"2026-03-02T08:00:00Z"}}`
	r := strings.Replace
	// Every valid record of a call (and of a queue stay) gets its own call
	// id: the tables keep one row per call or stay, and
	// TestEveryContractInsertsIntoItsTable counts rows.
	call := func(n int, s string) string {
		return r(s, `"call_id":"call-1"`, fmt.Sprintf(`"call_id":"call-1-%d"`, n), 1)
	}
	stream := `{"media":"audio","mos":4.3,"jitter_ms":4.2,"packet_loss_pct":0.1,"rtt_ms":38,"packets":15600}`
	return []conformanceCase{
		{"valid call record", cdr},
		{"call record without user, streams or features", call(1, r(r(r(cdr, `"user_id":"u1",`, "", 1), `,"features":["call_queue","transfer"]`, "", 1), cdr[strings.Index(cdr, `,"streams"`):strings.Index(cdr, `,"features"`)], "", 1))},
		{"call record with an empty user", call(2, r(cdr, `"user_id":"u1"`, `"user_id":""`, 1))},
		{"call record with no streams", call(3, r(cdr, cdr[strings.Index(cdr, `"streams":`)+10:strings.Index(cdr, `,"features"`)], `[]`, 1))},
		{"call record with every feature", call(4, r(cdr, `["call_queue","transfer"]`, `["call_queue","hunt_group","auto_attendant","transfer","park","pickup","voicemail","hold","conference","forward","recording"]`, 1))},
		{"call record at the largest duration", call(5, r(cdr, `"duration_seconds":312`, `"duration_seconds":604800`, 1))},
		{"call record longer than a week", r(cdr, `"duration_seconds":312`, `"duration_seconds":604801`, 1)},
		{"call record with a fractional duration", r(cdr, `"duration_seconds":312`, `"duration_seconds":312.5`, 1)},
		{"call record without duration", r(cdr, `"duration_seconds":312,`, "", 1)},
		{"call record without start", r(cdr, `"started_at":"2026-11-20T09:14:03.250Z",`, "", 1)},
		{"call record start not a timestamp", r(cdr, `"2026-11-20T09:14:03.250Z"`, `"2026-11-20"`, 1)},
		{"call record without call id", r(cdr, `"call_id":"call-1",`, "", 1)},
		{"call record with a bad user id", r(cdr, `"user_id":"u1"`, `"user_id":"u 1"`, 1)},
		{"call record unknown direction", r(cdr, `"inbound"`, `"sideways"`, 1)},
		{"call record unknown endpoint", r(cdr, `"desk_phone"`, `"fax"`, 1)},
		{"call record without endpoint", r(cdr, `"endpoint_type":"desk_phone",`, "", 1)},
		{"call record every endpoint", call(6, r(cdr, `"desk_phone"`, `"third_party_sip"`, 1))},
		{"call record unknown feature", r(cdr, `"transfer"]`, `"teleport"]`, 1)},
		{"call record feature twice", r(cdr, `["call_queue","transfer"]`, `["park","park"]`, 1)},
		{"call record features not an array", r(cdr, `["call_queue","transfer"]`, `"park"`, 1)},
		{"call record streams not an array", r(cdr, cdr[strings.Index(cdr, `"streams":`)+10:strings.Index(cdr, `,"features"`)], stream, 1)},
		{"call record stream not an object", r(cdr, `"streams":[`, `"streams":[1,`, 1)},
		{"call record 32 streams", call(7, r(cdr, cdr[strings.Index(cdr, `"streams":`)+10:strings.Index(cdr, `,"features"`)], "["+strings.Repeat(stream+",", 31)+stream+"]", 1))},
		{"call record 33 streams", r(cdr, cdr[strings.Index(cdr, `"streams":`)+10:strings.Index(cdr, `,"features"`)], "["+strings.Repeat(stream+",", 32)+stream+"]", 1)},
		{"stream without media", r(cdr, `{"media":"audio",`, `{`, 1)},
		{"stream unknown media", r(cdr, `"media":"audio"`, `"media":"fax"`, 1)},
		{"stream without jitter", r(cdr, `"jitter_ms":4.2,`, "", 1)},
		{"stream without loss", r(cdr, `"packet_loss_pct":0.1,`, "", 1)},
		{"stream without round trip", r(cdr, `"rtt_ms":38,`, "", 1)},
		{"stream without packets", r(cdr, `,"packets":15600`, "", 1)},
		{"stream MOS of 5", call(8, r(cdr, `"mos":4.3`, `"mos":5`, 1))},
		{"stream MOS of 1", call(9, r(cdr, `"mos":4.3`, `"mos":1.0`, 1))},
		{"stream MOS below 1", r(cdr, `"mos":4.3`, `"mos":0.99`, 1)},
		{"stream MOS above 5", r(cdr, `"mos":4.3`, `"mos":5.01`, 1)},
		{"stream MOS as a string", r(cdr, `"mos":4.3`, `"mos":"4.3"`, 1)},
		{"stream MOS null", r(cdr, `"mos":4.3`, `"mos":null`, 1)},
		{"stream loss of 100%", call(10, r(cdr, `"packet_loss_pct":0.1`, `"packet_loss_pct":100`, 1))},
		{"stream loss above 100%", r(cdr, `"packet_loss_pct":0.1`, `"packet_loss_pct":100.5`, 1)},
		{"stream negative jitter", r(cdr, `"jitter_ms":4.2`, `"jitter_ms":-1`, 1)},
		{"stream negative round trip", r(cdr, `"rtt_ms":38`, `"rtt_ms":-0.5`, 1)},
		{"stream round trip in exponent form", call(11, r(cdr, `"rtt_ms":38`, `"rtt_ms":3.8e2`, 1))},
		{"stream fractional packets", r(cdr, `"packets":15600`, `"packets":15600.5`, 1)},
		{"stream unknown member", r(cdr, `"packets":15600}`, `"packets":15600,"codec":"opus"}`, 1)},
		{"call record unknown member", r(cdr, `"direction":"inbound"`, `"direction":"inbound","trunk":"t1"`, 1)},

		{"valid queue call answered", queue},
		{"valid queue call moved", moved},
		{"queue call hung up", r(r(r(queue, `"outcome":"answered"`, `"outcome":"hung_up"`, 1), `,"agent_id":"u7"`, "", 1), `"call-1"`, `"call-7"`, 1)},
		{"queue call left a message", r(r(r(queue, `"outcome":"answered"`, `"outcome":"left_message"`, 1), `,"agent_id":"u7"`, "", 1), `"call-1"`, `"call-3"`, 1)},
		{"queue call answered without agent", r(r(queue, `,"agent_id":"u7"`, "", 1), `"call-1"`, `"call-4"`, 1)},
		{"queue call answered with an empty agent", r(r(queue, `"agent_id":"u7"`, `"agent_id":""`, 1), `"call-1"`, `"call-5"`, 1)},
		{"queue call hung up with an agent", r(queue, `"outcome":"answered"`, `"outcome":"hung_up"`, 1)},
		{"queue call moved without target", r(moved, `,"to_queue_id":"q-overflow"`, "", 1)},
		{"queue call moved to an empty target", r(moved, `"to_queue_id":"q-overflow"`, `"to_queue_id":""`, 1)},
		{"queue call answered with a target", r(queue, `"agent_id":"u7"`, `"agent_id":"u7","to_queue_id":"q-overflow"`, 1)},
		{"queue call hung up with an empty target", r(r(r(queue, `"outcome":"answered"`, `"outcome":"hung_up"`, 1), `"agent_id":"u7"`, `"to_queue_id":""`, 1), `"call-1"`, `"call-6"`, 1)},
		{"queue call unknown outcome", r(queue, `"outcome":"answered"`, `"outcome":"lost"`, 1)},
		{"queue call without outcome", r(queue, `"outcome":"answered",`, "", 1)},
		{"queue call without name", r(queue, `"queue_name":"Sales NL",`, "", 1)},
		{"queue call empty name", r(queue, `"queue_name":"Sales NL"`, `"queue_name":""`, 1)},
		{"queue call without end", r(queue, `"ended_at":"2026-11-20T09:14:47Z",`, "", 1)},
		{"queue call enqueued not a timestamp", r(queue, `"enqueued_at":"2026-11-20T09:14:05Z"`, `"enqueued_at":"09:14"`, 1)},
		{"queue call bad queue id", r(queue, `"queue_id":"q-sales"`, `"queue_id":"q sales"`, 1)},

		{"valid license assigned", license},
		{"license removed", r(r(license, `"assigned"`, `"removed"`, 1), `"2026-03-02T08:00:00Z"}`, `"2026-06-02T08:00:00Z"}`, 1)},
		{"license unknown state", r(license, `"assigned"`, `"granted"`, 1)},
		{"license without user", r(license, `"user_id":"u1",`, "", 1)},
		{"license without time", r(license, `,"changed_at":"2026-03-02T08:00:00Z"`, "", 1)},
	}
}

// The example of every calling schema, in an envelope, is a valid event:
// the documentation cannot show what ingest refuses.
func TestCallingSchemaExamplesAreValidEvents(t *testing.T) {
	reg := NewRegistry("flexhub.")
	v, err := schemas.NewEventValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{TypeCallRecorded, TypeQueueCallCompleted, TypeUserLicenseChanged} {
		b, err := schemas.EventSchemas.ReadFile("events/" + typ + ".schema.json")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Examples []json.RawMessage `json:"examples"`
		}
		if err := json.Unmarshal(b, &doc); err != nil || len(doc.Examples) == 0 {
			t.Fatalf("%s: no examples (%v)", typ, err)
		}
		for i, ex := range doc.Examples {
			event := fmt.Sprintf(`{"specversion":"1.0","id":"ex-%d","source":"/example","type":%q,"time":"2026-11-20T09:20:00Z","data":%s}`, i, typ, ex)
			if err := v.Validate([]byte(event)); err != nil {
				t.Errorf("%s example %d: JSON Schema: %v", typ, i, err)
			}
			if _, err := reg.NewDecoder().Decode([]byte(event)); err != nil {
				t.Errorf("%s example %d: ingest: %v", typ, i, err)
			}
		}
	}
}
