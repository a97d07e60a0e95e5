package ingest

import (
	"github.com/flexhub/flexhub/warehouse"
)

// FamilyInventory is UCM cluster inventory: what each cluster sync saw.
const FamilyInventory = "ucm.inventory"

// The UCM inventory contracts (schemas/events/com.flexhub.ucm.*.schema.json).
const (
	TypeClusterSynced  = "com.flexhub.ucm.cluster.synced"
	TypeUserObserved   = "com.flexhub.ucm.user.observed"
	TypeDeviceObserved = "com.flexhub.ucm.device.observed"
)

// syncRef is shared by every inventory event.
type syncRef struct {
	PartnerID  string `json:"partner_id"`
	CustomerID string `json:"customer_id"`
	ClusterID  string `json:"cluster_id"`
	SyncID     string `json:"sync_id"`
	SyncedAt   string `json:"synced_at"`
}

func (s *syncRef) check() (syncedAt any, err error) {
	for _, f := range []struct{ name, v string }{
		{"partner_id", s.PartnerID}, {"customer_id", s.CustomerID},
		{"cluster_id", s.ClusterID}, {"sync_id", s.SyncID},
	} {
		if err := checkID(f.name, f.v); err != nil {
			return nil, err
		}
	}
	t, err := checkTime("synced_at", s.SyncedAt)
	if err != nil {
		return nil, err
	}
	return t, nil
}

var syncCols = []warehouse.Column{
	{Name: "partner_id", Type: "String"},
	{Name: "customer_id", Type: "String"},
	{Name: "cluster_id", Type: "String"},
	{Name: "sync_id", Type: "String"},
	{Name: "synced_at", Type: "DateTime64(3)"},
}

func cols(extra ...warehouse.Column) []warehouse.Column {
	out := append([]warehouse.Column(nil), syncCols...)
	return append(out, extra...)
}

var deviceTypes = map[string]bool{
	"desk_phone": true, "conference_phone": true, "video_device": true, "analog_adapter": true,
	"softphone": true, "mobile_client": true, "tablet_client": true, "telepresence": true,
}

var deviceLocations = map[string]bool{
	"": true, "office": true, "conference_room": true, "hallway": true, "common_area": true, "lobby": true, "other": true,
}

func inventoryTypes() []*EventType {
	key := keyField("cluster_id")
	return []*EventType{
		{
			Name: TypeClusterSynced, Family: FamilyInventory, Table: "ucm_cluster_syncs", Key: key,
			Columns: cols(
				warehouse.Column{Name: "cluster_name", Type: "String"},
				warehouse.Column{Name: "region", Type: "String"},
				warehouse.Column{Name: "version", Type: "String"},
				warehouse.Column{Name: "publisher", Type: "String"},
				warehouse.Column{Name: "user_count", Type: "UInt32"},
				warehouse.Column{Name: "device_count", Type: "UInt32"},
				warehouse.Column{Name: "event_id", Type: "String"},
			),
			Decode: func(env *Envelope, b *warehouse.Batch) error {
				var d struct {
					syncRef
					ClusterName string `json:"cluster_name"`
					Region      string `json:"region"`
					Version     string `json:"version"`
					Publisher   string `json:"publisher"`
					UserCount   *int64 `json:"user_count"`
					DeviceCount *int64 `json:"device_count"`
				}
				if err := decodeData(env.Data, &d); err != nil {
					return err
				}
				at, err := d.check()
				if err != nil {
					return err
				}
				if err := firstErr(
					checkLen("cluster_name", d.ClusterName, 1, 256),
					checkLen("region", d.Region, 1, 64),
					checkVersion(d.Version),
					checkLen("publisher", d.Publisher, 1, 256),
					checkCount("user_count", d.UserCount),
					checkCount("device_count", d.DeviceCount),
				); err != nil {
					return err
				}
				return b.Append(d.PartnerID, d.CustomerID, d.ClusterID, d.SyncID, at,
					d.ClusterName, d.Region, d.Version, d.Publisher,
					uint32(*d.UserCount), uint32(*d.DeviceCount), env.ID)
			},
		},
		{
			Name: TypeUserObserved, Family: FamilyInventory, Table: "ucm_users", Key: key,
			Columns: cols(
				warehouse.Column{Name: "user_id", Type: "String"},
				warehouse.Column{Name: "directory_number", Type: "String"},
				warehouse.Column{Name: "enterprise_directory_profile", Type: "Bool"},
				warehouse.Column{Name: "snr", Type: "Bool"},
				warehouse.Column{Name: "extension_mobility", Type: "Bool"},
				warehouse.Column{Name: "voicemail", Type: "Bool"},
				warehouse.Column{Name: "mobile_uc_client", Type: "Bool"},
				warehouse.Column{Name: "tablet_uc_client", Type: "Bool"},
				warehouse.Column{Name: "event_id", Type: "String"},
			),
			Decode: func(env *Envelope, b *warehouse.Batch) error {
				var d struct {
					syncRef
					UserID                     string `json:"user_id"`
					DirectoryNumber            string `json:"directory_number"`
					EnterpriseDirectoryProfile jbool  `json:"enterprise_directory_profile"`
					SNR                        jbool  `json:"snr"`
					ExtensionMobility          jbool  `json:"extension_mobility"`
					Voicemail                  jbool  `json:"voicemail"`
					MobileUCClient             jbool  `json:"mobile_uc_client"`
					TabletUCClient             jbool  `json:"tablet_uc_client"`
				}
				if err := decodeData(env.Data, &d); err != nil {
					return err
				}
				at, err := d.check()
				if err != nil {
					return err
				}
				if err := firstErr(checkID("user_id", d.UserID), checkLen("directory_number", d.DirectoryNumber, 0, 64)); err != nil {
					return err
				}
				return b.Append(d.PartnerID, d.CustomerID, d.ClusterID, d.SyncID, at,
					d.UserID, d.DirectoryNumber, bool(d.EnterpriseDirectoryProfile), bool(d.SNR), bool(d.ExtensionMobility),
					bool(d.Voicemail), bool(d.MobileUCClient), bool(d.TabletUCClient), env.ID)
			},
		},
		{
			Name: TypeDeviceObserved, Family: FamilyInventory, Table: "ucm_devices", Key: key,
			Columns: cols(
				warehouse.Column{Name: "device_id", Type: "String"},
				warehouse.Column{Name: "device_type", Type: "String"},
				warehouse.Column{Name: "associated_user_id", Type: "String"},
				warehouse.Column{Name: "telepresence", Type: "Bool"},
				warehouse.Column{Name: "location", Type: "String"},
				warehouse.Column{Name: "event_id", Type: "String"},
			),
			Decode: func(env *Envelope, b *warehouse.Batch) error {
				var d struct {
					syncRef
					DeviceID         string `json:"device_id"`
					DeviceType       string `json:"device_type"`
					AssociatedUserID string `json:"associated_user_id"`
					Telepresence     jbool  `json:"telepresence"`
					Location         string `json:"location"`
				}
				if err := decodeData(env.Data, &d); err != nil {
					return err
				}
				at, err := d.check()
				if err != nil {
					return err
				}
				if err := checkID("device_id", d.DeviceID); err != nil {
					return err
				}
				if d.DeviceType == "" {
					return invalid("data", "device_type is required")
				}
				if !deviceTypes[d.DeviceType] {
					return invalid("data", "device_type %q is not one of desk_phone, conference_phone, video_device, analog_adapter, softphone, mobile_client, tablet_client, telepresence", d.DeviceType)
				}
				if !deviceLocations[d.Location] {
					return invalid("data", "location %q is not one of office, conference_room, hallway, common_area, lobby, other", d.Location)
				}
				if d.AssociatedUserID != "" {
					if err := checkID("associated_user_id", d.AssociatedUserID); err != nil {
						return err
					}
				}
				return b.Append(d.PartnerID, d.CustomerID, d.ClusterID, d.SyncID, at,
					d.DeviceID, d.DeviceType, d.AssociatedUserID, bool(d.Telepresence), d.Location, env.ID)
			},
		},
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func checkCount(field string, v *int64) error {
	if v == nil {
		return invalid("data", "%s is required", field)
	}
	if *v < 0 || *v > 10_000_000 {
		return invalid("data", "%s %d is outside 0-10000000", field, *v)
	}
	return nil
}

func checkVersion(v string) error {
	if v == "" {
		return invalid("data", "version is required")
	}
	if len(v) > 32 {
		return invalid("data", "version is longer than 32 characters")
	}
	prevDot := true
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			prevDot = false
		case c == '.' && !prevDot:
			prevDot = true
		default:
			return invalid("data", "version %q is not dotted digits like 12.5.1", v)
		}
	}
	if prevDot {
		return invalid("data", "version %q is not dotted digits like 12.5.1", v)
	}
	return nil
}
