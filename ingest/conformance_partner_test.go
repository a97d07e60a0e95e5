package ingest

import "strings"

func partnerCases() []conformanceCase {
	assign := `{"specversion":"1.0","id":"la1","source":"/webex/licenses","type":"com.flexhub.partner.license.assignment.changed","time":"2026-11-20T09:14:00Z","data":{"partner_id":"p1","customer_id":"c1","subscription_id":"Sub-1","product":"meetings","user_id":"u-1","action":"assigned","changed_at":"2026-11-20T09:14:00Z"}}`
	active := `{"specversion":"1.0","id":"ua1","source":"/webex/usage","type":"com.flexhub.partner.usage.active","time":"2026-11-21T00:10:00Z","data":{"partner_id":"p1","customer_id":"c1","user_id":"u-1","product":"calling","day":"2026-11-20"}}`
	signIn := `{"specversion":"1.0","id":"si1","source":"/webex/admin","type":"com.flexhub.partner.admin.signed_in","time":"2026-11-20T08:03:12Z","data":{"partner_id":"p1","customer_id":"c1","admin_id":"adm-1","signed_in_at":"2026-11-20T08:03:12Z"}}`
	admin := `{"specversion":"1.0","id":"pa1","source":"/partner/admins","type":"com.flexhub.partner.partner_admin.assignment.changed","time":"2026-10-02T13:40:00Z","data":{"partner_id":"p1","customer_id":"c1","admin_id":"pa-3","name":"Sanne de Vries","email":"sanne@acme.example","role":"sales_admin","action":"assigned","changed_at":"2026-10-02T13:40:00Z"}}`
	r := strings.Replace
	return []conformanceCase{
		{"valid assignment", assign},
		{"valid unassignment", r(assign, `"assigned"`, `"unassigned"`, 1)},
		{"assignment of a calling license", r(assign, `"meetings"`, `"calling"`, 1)},
		{"assignment of a translation license", r(assign, `"meetings"`, `"realtime_translation"`, 1)},
		{"assignment of a flex license", r(assign, `"meetings"`, `"ucm_flex"`, 1)},
		{"assignment unknown action", r(assign, `"assigned"`, `"revoked"`, 1)},
		{"assignment without subscription", r(assign, `"subscription_id":"Sub-1",`, "", 1)},
		{"assignment without user", r(assign, `"user_id":"u-1",`, "", 1)},
		{"assignment user with a space", r(assign, `"u-1"`, `"u 1"`, 1)},
		{"assignment time a date", r(assign, `"changed_at":"2026-11-20T09:14:00Z"`, `"changed_at":"2026-11-20"`, 1)},
		{"assignment extra member", r(assign, `"action":"assigned"`, `"action":"assigned","seat":1`, 1)},
		{"valid activity", active},
		{"meetings activity", r(active, `"calling"`, `"meetings"`, 1)},
		{"translation activity", r(active, `"calling"`, `"realtime_translation"`, 1)},
		{"activity day a timestamp", r(active, `"2026-11-20"`, `"2026-11-20T00:00:00Z"`, 1)},
		{"activity day 31 November", r(active, `"2026-11-20"`, `"2026-11-31"`, 1)},
		{"activity without day", r(active, `,"day":"2026-11-20"`, "", 1)},
		{"activity without product", r(active, `"product":"calling",`, "", 1)},
		{"valid sign-in", signIn},
		{"sign-in without admin", r(signIn, `"admin_id":"adm-1",`, "", 1)},
		{"sign-in time not a timestamp", r(signIn, `"signed_in_at":"2026-11-20T08:03:12Z"`, `"signed_in_at":"yesterday"`, 1)},
		{"valid partner admin", admin},
		{"partner admin without name or email", r(r(admin, `"name":"Sanne de Vries",`, "", 1), `"email":"sanne@acme.example",`, "", 1)},
		{"partner admin removed", r(admin, `"action":"assigned"`, `"action":"unassigned"`, 1)},
		{"partner admin full admin", r(admin, `"sales_admin"`, `"full_admin"`, 1)},
		{"partner admin read-only", r(admin, `"sales_admin"`, `"readonly_admin"`, 1)},
		{"partner admin customer admin role", r(admin, `"sales_admin"`, `"customer_admin"`, 1)},
		{"partner admin without role", r(admin, `"role":"sales_admin",`, "", 1)},
		{"partner admin name of 257 characters", r(admin, `"Sanne de Vries"`, `"`+strings.Repeat("é", 257)+`"`, 1)},
		{"partner admin email of 255 characters", r(admin, `"sanne@acme.example"`, `"`+strings.Repeat("s", 243)+`@acme.example"`, 1)},
		{"partner admin name a number", r(admin, `"Sanne de Vries"`, `7`, 1)},
	}
}
