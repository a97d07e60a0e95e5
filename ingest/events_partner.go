package ingest

// FamilyPartner is what the partner overview needs beyond commerce: who
// holds which license of a Meetings, Calling or translation subscription,
// who used Meetings or Calling on a day, when the customer's admins last
// signed in to their admin portal, and which partner admins are assigned
// to each customer (schemas/events/com.flexhub.partner.*.schema.json).
const FamilyPartner = "partner"

// The partner-overview contracts.
const (
	TypeLicenseAssignmentChanged = "com.flexhub.partner.license.assignment.changed"
	TypeUsageActive              = "com.flexhub.partner.usage.active"
	TypeAdminSignedIn            = "com.flexhub.partner.admin.signed_in"
	TypePartnerAdminChanged      = "com.flexhub.partner.partner_admin.assignment.changed"
)

// UserLicenseProducts are the products whose subscriptions count USER
// licenses that are assigned to users one by one.
var UserLicenseProducts = []string{"meetings", "calling", "realtime_translation"}

// PartnerAdminRoles are the partner administrator roles of the reference
// (the names of query/access.go).
var PartnerAdminRoles = []string{"full_admin", "full_sales_admin", "sales_admin", "readonly_admin"}

func partnerTypes() []*EventType {
	return []*EventType{
		{
			// A user was given, or lost, one USER license of a subscription.
			Name: TypeLicenseAssignmentChanged, Family: FamilyPartner, Table: "license_assignment_events", KeyField: "customer_id",
			Fields: []Field{
				{Name: "partner_id", Kind: FieldID, Required: true},
				{Name: "customer_id", Kind: FieldID, Required: true},
				{Name: "subscription_id", Kind: FieldID, Required: true},
				{Name: "product", Kind: FieldEnum, Required: true, Enum: UserLicenseProducts},
				{Name: "user_id", Kind: FieldID, Required: true},
				{Name: "action", Kind: FieldEnum, Required: true, Enum: []string{"assigned", "unassigned"}},
				{Name: "changed_at", Kind: FieldTime, Required: true},
			},
		},
		{
			// A user was active in Meetings or Calling on a (UTC) day; one
			// event per user, product and day is enough, more are harmless.
			Name: TypeUsageActive, Family: FamilyPartner, Table: "usage_activity", KeyField: "customer_id",
			Fields: []Field{
				{Name: "partner_id", Kind: FieldID, Required: true},
				{Name: "customer_id", Kind: FieldID, Required: true},
				{Name: "user_id", Kind: FieldID, Required: true},
				{Name: "product", Kind: FieldEnum, Required: true, Enum: []string{"meetings", "calling"}},
				{Name: "day", Kind: FieldDate, Required: true},
			},
		},
		{
			// An administrator of the customer's organisation signed in to
			// the customer's admin portal.
			Name: TypeAdminSignedIn, Family: FamilyPartner, Table: "admin_sign_ins", KeyField: "customer_id",
			Fields: []Field{
				{Name: "partner_id", Kind: FieldID, Required: true},
				{Name: "customer_id", Kind: FieldID, Required: true},
				{Name: "admin_id", Kind: FieldID, Required: true},
				{Name: "signed_in_at", Kind: FieldTime, Required: true},
			},
		},
		{
			// A partner administrator was assigned to manage the customer
			// (with the role they hold), or no longer is.
			Name: TypePartnerAdminChanged, Family: FamilyPartner, Table: "partner_admin_assignments", KeyField: "customer_id",
			Fields: []Field{
				{Name: "partner_id", Kind: FieldID, Required: true},
				{Name: "customer_id", Kind: FieldID, Required: true},
				{Name: "admin_id", Kind: FieldID, Required: true},
				{Name: "name", Kind: FieldString, Max: 256},
				{Name: "email", Kind: FieldString, Max: 254},
				{Name: "role", Kind: FieldEnum, Required: true, Enum: PartnerAdminRoles},
				{Name: "action", Kind: FieldEnum, Required: true, Enum: []string{"assigned", "unassigned"}},
				{Name: "changed_at", Kind: FieldTime, Required: true},
			},
		},
	}
}
