package ingest

// FamilyCalling is what the calling platform reports: a detail record of
// every call, the outcome of every stay of a call in a call queue, and the
// calling licenses assigned to and removed from users.
const FamilyCalling = "calling"

// The calling contracts (schemas/events/com.flexhub.calling.*.schema.json).
const (
	TypeCallRecorded       = "com.flexhub.calling.call.recorded"
	TypeQueueCallCompleted = "com.flexhub.calling.queue_call.completed"
	TypeUserLicenseChanged = "com.flexhub.calling.user_license.changed"
)

const (
	maxCallDurationSeconds   = 7 * 24 * 3600 // a record of a call longer than a week is a fault
	maxStreamsPerCall        = 32
	maxStreamMillis          = 600_000 // ten minutes of jitter or round trip is already absurd
	queueOutcomeMovedToQueue = "moved_to_queue"
)

// EndpointTypes are the endpoints a call is made or taken on.
var EndpointTypes = []string{
	"desk_phone", "desktop_app", "mobile_app", "web_app", "video_device",
	"conference_phone", "analog_adapter", "third_party_sip", "other",
}

// CallFeatures are the calling features a call can use.
var CallFeatures = []string{
	"call_queue", "hunt_group", "auto_attendant", "transfer", "park", "pickup",
	"voicemail", "hold", "conference", "forward", "recording",
}

// QueueOutcomes end one stay of a call in a call queue: an agent answered,
// the caller was moved to another queue, hung up, or left a message.
var QueueOutcomes = []string{"answered", queueOutcomeMovedToQueue, "hung_up", "left_message"}

func callingTypes() []*EventType {
	return []*EventType{
		{
			Name: TypeCallRecorded, Family: FamilyCalling, Table: "calling_call_records", KeyField: "customer_id",
			Fields: []Field{
				{Name: "partner_id", Kind: FieldID, Required: true},
				{Name: "customer_id", Kind: FieldID, Required: true},
				{Name: "call_id", Kind: FieldID, Required: true},
				// Absent for a call of a shared endpoint (a workspace, a
				// lobby phone) that no user owns.
				{Name: "user_id", Kind: FieldID},
				{Name: "started_at", Kind: FieldTime, Required: true},
				{Name: "duration_seconds", Kind: FieldCount, Required: true, Max: maxCallDurationSeconds},
				{Name: "direction", Kind: FieldEnum, Required: true, Enum: []string{"inbound", "outbound", "internal"}},
				{Name: "endpoint_type", Kind: FieldEnum, Required: true, Enum: EndpointTypes},
				{Name: "streams", Kind: FieldObjects, Max: maxStreamsPerCall, Sub: []Field{
					{Name: "media", Kind: FieldEnum, Required: true, Enum: []string{"audio", "video", "share"}},
					// MOS is measured on audio; absent (stored as 0) it is
					// not measured and never makes a stream poor.
					{Name: "mos", Kind: FieldFloat, MinFloat: 1, MaxFloat: 5},
					{Name: "jitter_ms", Kind: FieldFloat, Required: true, MaxFloat: maxStreamMillis},
					{Name: "packet_loss_pct", Kind: FieldFloat, Required: true, MaxFloat: 100},
					{Name: "rtt_ms", Kind: FieldFloat, Required: true, MaxFloat: maxStreamMillis},
					{Name: "packets", Kind: FieldCount, Required: true, Max: 1_000_000_000},
				}},
				{Name: "features", Kind: FieldEnumList, Enum: CallFeatures},
			},
		},
		{
			Name: TypeQueueCallCompleted, Family: FamilyCalling, Table: "calling_queue_calls", KeyField: "customer_id",
			Fields: []Field{
				{Name: "partner_id", Kind: FieldID, Required: true},
				{Name: "customer_id", Kind: FieldID, Required: true},
				{Name: "queue_id", Kind: FieldID, Required: true},
				{Name: "queue_name", Kind: FieldString, Required: true, Max: 256},
				{Name: "call_id", Kind: FieldID, Required: true},
				{Name: "enqueued_at", Kind: FieldTime, Required: true},
				{Name: "outcome", Kind: FieldEnum, Required: true, Enum: QueueOutcomes},
				// When the stay ended: the agent answered, the call left
				// for the other queue, the caller hung up or the message
				// recording began.
				{Name: "ended_at", Kind: FieldTime, Required: true},
				{Name: "agent_id", Kind: FieldID},
				{Name: "to_queue_id", Kind: FieldID},
			},
			Check: checkQueueCall,
		},
		{
			Name: TypeUserLicenseChanged, Family: FamilyCalling, Table: "calling_user_licenses", KeyField: "customer_id",
			Fields: []Field{
				{Name: "partner_id", Kind: FieldID, Required: true},
				{Name: "customer_id", Kind: FieldID, Required: true},
				{Name: "user_id", Kind: FieldID, Required: true},
				{Name: "state", Kind: FieldEnum, Required: true, Enum: []string{"assigned", "removed"}},
				{Name: "changed_at", Kind: FieldTime, Required: true},
			},
		},
	}
}

// checkQueueCall: a call moved to another queue names that queue; no other
// outcome does, and only an answered call names its agent.
func checkQueueCall(e *Event) error {
	outcome, to, agent := e.Str("outcome"), e.Str("to_queue_id"), e.Str("agent_id")
	switch {
	case outcome == queueOutcomeMovedToQueue && to == "":
		return invalid("data", "to_queue_id is required when the outcome is moved_to_queue")
	case outcome != queueOutcomeMovedToQueue && to != "":
		return invalid("data", "to_queue_id is only for the outcome moved_to_queue, not %s", outcome)
	case outcome != "answered" && agent != "":
		return invalid("data", "agent_id is only for the outcome answered, not %s", outcome)
	}
	return nil
}
