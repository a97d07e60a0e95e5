package ingest

import "strings"

func commerceCases() []conformanceCase {
	customer := `{"specversion":"1.0","id":"cu1","source":"/commerce","type":"com.flexhub.commerce.customer.updated","time":"2026-11-20T09:00:00Z","data":{"partner_id":"p1","customer_id":"c1","name":"Van Dijk Logistiek B.V.","managed_by":"partner","products":["ucm_cloud","calling"],"provisioning_status":"provisioned","added_at":"2025-03-01T09:00:00Z","updated_at":"2026-11-20T09:00:00Z"}}`
	flex := `{"specversion":"1.0","id":"su1","source":"/commerce","type":"com.flexhub.commerce.subscription.updated","time":"2026-11-20T09:00:00Z","data":{"partner_id":"p1","customer_id":"c1","subscription_id":"Sub-1","order_id":"CCW-1","product":"ucm_flex","flex_model":"flex2","trial":false,"status":"active","start_date":"2025-03-01","end_date":"2028-02-29","renewal_date":"2028-03-01","auto_renew":true,"licenses":{"KW":120,"CA":12,"TP":2},"invoice_ref":"INV-1","changed_at":"2026-09-01T00:00:00Z"}}`
	calling := `{"specversion":"1.0","id":"su2","source":"/commerce","type":"com.flexhub.commerce.subscription.updated","time":"2026-11-20T09:00:00Z","data":{"partner_id":"p1","customer_id":"c1","subscription_id":"Trial-7","order_id":"T-7","product":"calling","trial":true,"status":"active","start_date":"2026-11-01","end_date":"2026-12-01","licenses":{"USER":25},"changed_at":"2026-11-01T00:00:00Z"}}`
	r := strings.Replace
	return []conformanceCase{
		{"valid customer", customer},
		{"customer without optional members", r(r(customer, `"products":["ucm_cloud","calling"],`, "", 1), `"provisioning_status":"provisioned",`, "", 1)},
		{"customer without name", r(customer, `"name":"Van Dijk Logistiek B.V.",`, "", 1)},
		{"customer empty name", r(customer, `"Van Dijk Logistiek B.V."`, `""`, 1)},
		{"customer name of 256 characters", r(customer, `"Van Dijk Logistiek B.V."`, `"`+strings.Repeat("é", 256)+`"`, 1)},
		{"customer name of 257 characters", r(customer, `"Van Dijk Logistiek B.V."`, `"`+strings.Repeat("é", 257)+`"`, 1)},
		{"customer managed by nobody", r(customer, `"managed_by":"partner"`, `"managed_by":"nobody"`, 1)},
		{"customer unknown product", r(customer, `"calling"]`, `"fax"]`, 1)},
		{"customer product twice", r(customer, `["ucm_cloud","calling"]`, `["calling","calling"]`, 1)},
		{"customer products not an array", r(customer, `["ucm_cloud","calling"]`, `"calling"`, 1)},
		{"customer no products", r(customer, `["ucm_cloud","calling"]`, `[]`, 1)},
		{"valid flex subscription", flex},
		{"valid calling trial", calling},
		{"flex without model", r(flex, `"flex_model":"flex2",`, "", 1)},
		{"flex with empty model", r(flex, `"flex_model":"flex2"`, `"flex_model":""`, 1)},
		{"calling with a model", r(calling, `"product":"calling",`, `"product":"calling","flex_model":"flex2",`, 1)},
		{"calling with an empty model", r(calling, `"product":"calling",`, `"product":"calling","flex_model":"",`, 1)},
		{"flex2 with NU types", r(flex, `"KW":120`, `"PRO":120`, 1)},
		{"flex3 NU", r(r(flex, `"flex2"`, `"flex3_nu"`, 1), `{"KW":120,"CA":12,"TP":2}`, `{"PRO":80,"ENH":30,"ACC":10,"TP":2}`, 1)},
		{"flex3 NU with KW", r(flex, `"flex2"`, `"flex3_nu"`, 1)},
		{"flex3 EA", r(r(flex, `"flex2"`, `"flex3_ea"`, 1), `{"KW":120,"CA":12,"TP":2}`, `{"KW":1000,"CA":40,"ACC":10,"TP":2}`, 1)},
		{"flex with USER", r(flex, `"KW":120`, `"USER":120`, 1)},
		{"calling with KW", r(calling, `"USER":25`, `"KW":25`, 1)},
		{"unknown license type", r(flex, `"KW":120`, `"XX":120`, 1)},
		{"negative quantity", r(flex, `"KW":120`, `"KW":-1`, 1)},
		{"fractional quantity", r(flex, `"KW":120`, `"KW":1.5`, 1)},
		{"licenses not an object", r(flex, `{"KW":120,"CA":12,"TP":2}`, `[120]`, 1)},
		{"no licenses", r(flex, `"licenses":{"KW":120,"CA":12,"TP":2},`, "", 1)},
		{"empty licenses", r(flex, `{"KW":120,"CA":12,"TP":2}`, `{}`, 1)},
		{"open-ended", r(r(flex, `"end_date":"2028-02-29",`, "", 1), `"renewal_date":"2028-03-01",`, "", 1)},
		{"start not a date", r(flex, `"2025-03-01"`, `"2025-3-1"`, 1)},
		{"end on 30 February", r(flex, `"2028-02-29"`, `"2027-02-29"`, 1)},
		{"end a timestamp", r(flex, `"2028-02-29"`, `"2028-02-29T00:00:00Z"`, 1)},
		{"end before 1970", r(flex, `"2028-02-29"`, `"1969-12-31"`, 1)},
		{"end after 2148", r(flex, `"2028-02-29"`, `"2149-01-01"`, 1)},
		{"end null", r(flex, `"2028-02-29"`, `null`, 1)},
		{"unknown status", r(flex, `"status":"active"`, `"status":"paused"`, 1)},
		{"suspended", r(flex, `"status":"active"`, `"status":"suspended"`, 1)},
		{"pending order setup", r(flex, `"status":"active"`, `"status":"pending_order_setup"`, 1)},
		{"no order", r(flex, `"order_id":"CCW-1",`, "", 1)},
		{"auto_renew as string", r(flex, `"auto_renew":true`, `"auto_renew":"yes"`, 1)},
		{"invoice too long", r(flex, `"INV-1"`, `"`+strings.Repeat("i", 65)+`"`, 1)},
	}
}
