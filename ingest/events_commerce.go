package ingest

import "slices"

// FamilyCommerce is what the commerce system knows of partners' customers:
// the customers themselves and every version of their subscriptions
// (orders, trials, renewals, quantity changes).
const FamilyCommerce = "commerce"

// The commerce contracts (schemas/events/com.flexhub.commerce.*.schema.json).
const (
	TypeCustomerUpdated     = "com.flexhub.commerce.customer.updated"
	TypeSubscriptionUpdated = "com.flexhub.commerce.subscription.updated"
)

// Products a customer can order.
var Products = []string{"ucm_cloud", "meetings", "calling", "messaging", "realtime_translation"}

// LicenseTypes are the keys of a subscription's licenses: the Flex license
// types (Flex 2.0 KW, CA, TP; Flex 3.0 NU PRO, ENH, ACC, TP; Flex 3.0 EA
// KW, CA, ACC, TP) and USER, the one license type of a Meetings, Calling
// or real-time translation subscription.
var LicenseTypes = []string{"KW", "CA", "TP", "PRO", "ENH", "ACC", "USER"}

func commerceTypes() []*EventType {
	return []*EventType{
		{
			Name: TypeCustomerUpdated, Family: FamilyCommerce, Table: "customer_versions", KeyField: "customer_id",
			Fields: []Field{
				{Name: "partner_id", Kind: FieldID, Required: true},
				{Name: "customer_id", Kind: FieldID, Required: true},
				{Name: "name", Kind: FieldString, Required: true, Max: 256},
				{Name: "managed_by", Kind: FieldEnum, Required: true, Enum: []string{"partner", "external"}},
				{Name: "products", Kind: FieldEnumList, Enum: Products},
				{Name: "provisioning_status", Kind: FieldEnum, Enum: []string{"", "not_started", "in_progress", "provisioned"}},
				{Name: "added_at", Kind: FieldTime, Required: true},
				{Name: "updated_at", Kind: FieldTime, Required: true},
			},
		},
		{
			Name: TypeSubscriptionUpdated, Family: FamilyCommerce, Table: "subscription_versions", KeyField: "customer_id",
			Fields: []Field{
				{Name: "partner_id", Kind: FieldID, Required: true},
				{Name: "customer_id", Kind: FieldID, Required: true},
				{Name: "subscription_id", Kind: FieldID, Required: true},
				{Name: "order_id", Kind: FieldID, Required: true},
				{Name: "product", Kind: FieldEnum, Required: true, Enum: []string{"ucm_flex", "meetings", "calling", "realtime_translation"}},
				{Name: "flex_model", Kind: FieldEnum, Enum: []string{"", "flex2", "flex3_nu", "flex3_ea"}},
				{Name: "trial", Kind: FieldBool},
				{Name: "status", Kind: FieldEnum, Required: true, Enum: []string{"active", "suspended", "pending_order_setup", "cancelled", "expired"}},
				{Name: "start_date", Kind: FieldDate, Required: true},
				{Name: "end_date", Kind: FieldDate},
				{Name: "renewal_date", Kind: FieldDate},
				{Name: "auto_renew", Kind: FieldBool},
				{Name: "licenses", Kind: FieldCountMap, Required: true, Enum: LicenseTypes},
				{Name: "invoice_ref", Kind: FieldString, Max: 64},
				{Name: "changed_at", Kind: FieldTime, Required: true},
			},
			Check: checkSubscription,
		},
	}
}

// licenseTypesOf says which license types a subscription of a product
// (and Flex model) may carry.
var licenseTypesOf = map[string][]string{
	"flex2":    {"KW", "CA", "TP"},
	"flex3_nu": {"PRO", "ENH", "ACC", "TP"},
	"flex3_ea": {"KW", "CA", "ACC", "TP"},
	"":         {"USER"},
}

// checkSubscription: a UCM Flex subscription names its Flex model and
// carries only that model's license types; any other product has no model
// and counts USER licenses.
func checkSubscription(e *Event) error {
	product, model := e.Str("product"), e.Str("flex_model")
	switch {
	case product == "ucm_flex" && model == "":
		return invalid("data", "flex_model is required for a ucm_flex subscription")
	case product != "ucm_flex" && model != "":
		return invalid("data", "flex_model is only for ucm_flex subscriptions, not %s", product)
	}
	allowed := licenseTypesOf[model]
	for _, k := range e.MapKeys("licenses") {
		if !slices.Contains(allowed, k) {
			return invalid("data", "licenses has %s, which a %s subscription does not count (allowed: %v)", k, nonEmpty(model, product), allowed)
		}
	}
	return nil
}

func nonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
