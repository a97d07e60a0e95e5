package ingest

// FamilyInventory is UCM cluster inventory: what each cluster sync saw.
const FamilyInventory = "ucm.inventory"

// The UCM inventory contracts (schemas/events/com.flexhub.ucm.*.schema.json).
const (
	TypeClusterSynced  = "com.flexhub.ucm.cluster.synced"
	TypeUserObserved   = "com.flexhub.ucm.user.observed"
	TypeDeviceObserved = "com.flexhub.ucm.device.observed"
)

// syncRef is shared by every inventory event (defs.schema.json#/$defs/syncRef).
func syncRef(extra ...Field) []Field {
	return append([]Field{
		{Name: "partner_id", Kind: FieldID, Required: true},
		{Name: "customer_id", Kind: FieldID, Required: true},
		{Name: "cluster_id", Kind: FieldID, Required: true},
		{Name: "sync_id", Kind: FieldID, Required: true},
		{Name: "synced_at", Kind: FieldTime, Required: true},
	}, extra...)
}

func inventoryTypes() []*EventType {
	return []*EventType{
		{
			Name: TypeClusterSynced, Family: FamilyInventory, Table: "ucm_cluster_syncs", KeyField: "cluster_id",
			Fields: syncRef(
				Field{Name: "cluster_name", Kind: FieldString, Required: true, Max: 256},
				Field{Name: "region", Kind: FieldString, Required: true, Max: 64},
				Field{Name: "version", Kind: FieldVersion, Required: true},
				Field{Name: "publisher", Kind: FieldString, Required: true, Max: 256},
				Field{Name: "user_count", Kind: FieldCount, Required: true},
				Field{Name: "device_count", Kind: FieldCount, Required: true},
			),
		},
		{
			Name: TypeUserObserved, Family: FamilyInventory, Table: "ucm_users", KeyField: "cluster_id",
			Fields: syncRef(
				Field{Name: "user_id", Kind: FieldID, Required: true},
				Field{Name: "directory_number", Kind: FieldString, Max: 64},
				Field{Name: "enterprise_directory_profile", Kind: FieldBool},
				Field{Name: "snr", Kind: FieldBool},
				Field{Name: "extension_mobility", Kind: FieldBool},
				Field{Name: "voicemail", Kind: FieldBool},
				Field{Name: "mobile_uc_client", Kind: FieldBool},
				Field{Name: "tablet_uc_client", Kind: FieldBool},
			),
		},
		{
			Name: TypeDeviceObserved, Family: FamilyInventory, Table: "ucm_devices", KeyField: "cluster_id",
			Fields: syncRef(
				Field{Name: "device_id", Kind: FieldID, Required: true},
				Field{Name: "device_type", Kind: FieldEnum, Required: true, Enum: []string{
					"desk_phone", "conference_phone", "video_device", "analog_adapter",
					"softphone", "mobile_client", "tablet_client", "telepresence"}},
				Field{Name: "associated_user_id", Kind: FieldID, Max: 128},
				Field{Name: "telepresence", Kind: FieldBool},
				Field{Name: "location", Kind: FieldEnum, Enum: []string{
					"", "office", "conference_room", "hallway", "common_area", "lobby", "other"}},
			),
		},
	}
}
