package rollup

import (
	"fmt"
	"strings"

	"github.com/flexhub/flexhub/warehouse"
)

// The Flex classification decision table: the one place that says which
// user or device of a cluster snapshot consumes which license under each
// Flex model (README: Flex license usage, "The decision table"). The
// rollup's SQL is rendered from it and the README's table is checked
// against FlexDecisionTableMarkdown, so the three cannot drift.
//
// Every user and every device of a snapshot is looked at once. A person
// is a user of the snapshot together with the devices associated with
// them; a device whose associated user is not in the same snapshot counts
// as unassociated. The columns a condition may use, per person:
//
//	has_user  the user is in the snapshot (false: the unassociated devices)
//	dn        a directory number          profile  an enterprise directory profile
//	snr       single number reach         em       extension mobility
//	vm        voicemail                   uc       a mobile or tablet UC client
//	endpoints associated devices that are not TelePresence
//	basic     of those, analog adapters (dial tone only)
//	tp        TelePresence devices (flag set or device type telepresence)
//	hard      unassociated hard endpoints that are not TelePresence
//	          (desk phone, conference phone, video device, analog adapter)
//	soft      unassociated soft clients (softphone, mobile or tablet client)

// FlexModels are the Flex license models and their license types, in the
// order reports show them.
var FlexModels = []FlexModel{
	{ID: "flex2", Name: "Flex 2.0", LicenseTypes: []string{"KW", "CA", "TP"}},
	{ID: "flex3_nu", Name: "Flex 3.0 Named User", LicenseTypes: []string{"PRO", "ENH", "ACC", "TP"}},
	{ID: "flex3_ea", Name: "Flex 3.0 Enterprise Agreement", LicenseTypes: []string{"KW", "CA", "ACC", "TP"}},
}

// FlexModel is one Flex license model.
type FlexModel struct {
	ID, Name     string
	LicenseTypes []string
}

// FlexUnsubscribedModel classifies a customer's consumption on days it has
// no Flex subscription in force: Flex 2.0, the reference's base model.
const FlexUnsubscribedModel = "flex2"

// EAMinimumKW is the Enterprise Agreement's minimum of knowledge workers.
const EAMinimumKW = 1000

// FlexCarryDays is how long a cluster's last snapshot counts for the days
// it does not sync; after that the cluster drops out of the figures.
const FlexCarryDays = 7

// FlexHistoryDays bounds how far back a subscription's purchased quantity
// is materialised per day (consumption has no such bound).
const FlexHistoryDays = 400

// FlexLicenseTypeNames are the license types as the reference names them.
var FlexLicenseTypeNames = map[string]string{
	"KW": "Knowledge Worker", "CA": "Common Area", "TP": "TelePresence",
	"PRO": "Professional", "ENH": "Enhanced", "ACC": "Access",
}

// FlexRule is one row of the decision table.
type FlexRule struct {
	ID string
	// Subject is "user" (one license per user: the first user rule that
	// matches wins) or "devices" (Count says how many of a person's
	// devices the rule takes).
	Subject string
	When    string // the condition in words
	Source  string // the reference's rule, or "decision" where it is silent
	// Cond (user rules) or Count (device rules), over the person columns.
	Cond, Count string
	// License per Flex model; "" consumes nothing.
	License map[string]string
}

// FlexRules is the decision table, in order.
var FlexRules = []FlexRule{
	{ID: "U1", Subject: "user", Cond: "vm OR endpoints >= 2",
		When:    "a user with voicemail, or with two or more devices",
		Source:  "KW: up to ten devices, or voicemail; NU Professional: several devices, includes voicemail",
		License: map[string]string{"flex2": "KW", "flex3_nu": "PRO", "flex3_ea": "KW"}},
	{ID: "U2", Subject: "user", Cond: "endpoints - basic = 1 OR (uc AND profile) OR em",
		When:    "otherwise, a user with one device that is not an analog adapter, a mobile or tablet UC client on a directory profile, or extension mobility",
		Source:  "KW: a desk phone and a number in the directory profile; a UC client on the profile; extension mobility. NU Enhanced: one device, no voicemail",
		License: map[string]string{"flex2": "KW", "flex3_nu": "ENH", "flex3_ea": "KW"}},
	{ID: "U3", Subject: "user", Cond: "dn OR snr OR endpoints >= 1",
		When:    "otherwise, a user with only a directory number, single number reach, or an analog adapter",
		Source:  "KW: a directory number or SNR; Access: dial tone and basic calling on basic devices (decision: EA counts these as Access)",
		License: map[string]string{"flex2": "KW", "flex3_nu": "ACC", "flex3_ea": "ACC"}},
	{ID: "U0", Subject: "user", Cond: "1",
		When:    "otherwise (no number, device, SNR, extension mobility or voicemail; a UC client without a directory profile)",
		Source:  "decision: nothing in the reference licenses such a user",
		License: map[string]string{}},
	{ID: "D1", Subject: "devices", Count: "tp",
		When:    "every TelePresence device, associated or not",
		Source:  "TP: every TelePresence device configured on the system",
		License: map[string]string{"flex2": "TP", "flex3_nu": "TP", "flex3_ea": "TP"}},
	{ID: "D2", Subject: "devices", Count: "if(has_user, 0, hard)",
		When:    "a hard endpoint not associated with a user in the snapshot (analog, conference room, hallway, common area)",
		Source:  "CA: a hard endpoint not associated with a user (decision: under NU, which has no CA, Access — dial tone on a basic device)",
		License: map[string]string{"flex2": "CA", "flex3_nu": "ACC", "flex3_ea": "CA"}},
	{ID: "D3", Subject: "devices", Count: "if(has_user, 0, soft)",
		When:    "a soft client not associated with a user in the snapshot",
		Source:  "decision: not a hard endpoint and no user to license",
		License: map[string]string{}},
	{ID: "D4", Subject: "devices", Count: "if(has_user, greatest(endpoints, 10) - 10, 0)",
		When:    "each device of a user beyond the tenth (TelePresence devices aside)",
		Source:  "decision: a KW covers up to ten devices; each further one is licensed as an unassociated endpoint",
		License: map[string]string{"flex2": "CA", "flex3_nu": "ACC", "flex3_ea": "CA"}},
}

// flexUserClassSQL is the user rules as one multiIf over the person
// columns, giving the id of the first rule that matches.
func flexUserClassSQL() string {
	var b strings.Builder
	b.WriteString("multiIf(")
	for _, r := range FlexRules {
		if r.Subject != "user" || r.Cond == "1" {
			continue
		}
		fmt.Fprintf(&b, "%s, '%s', ", r.Cond, r.ID)
	}
	for _, r := range FlexRules {
		if r.Subject == "user" && r.Cond == "1" {
			fmt.Fprintf(&b, "'%s')", r.ID)
			return b.String()
		}
	}
	b.WriteString("'')")
	return b.String()
}

// flexClassesSQL is a person's counts per rule that licenses something,
// as a map(rule id, count); user_class is flexUserClassSQL's result.
func flexClassesSQL() string {
	var parts []string
	for _, r := range FlexRules {
		if len(r.License) == 0 {
			continue
		}
		expr := r.Count
		if r.Subject == "user" {
			expr = fmt.Sprintf("has_user AND user_class = '%s'", r.ID)
		}
		parts = append(parts, fmt.Sprintf("'%s', toUInt32(%s)", r.ID, expr))
	}
	return "map(" + strings.Join(parts, ", ") + ")"
}

// renderFlexSQL fills the decision table into a statement.
func renderFlexSQL(sql string) string {
	return strings.NewReplacer(
		"/*{{flex_user_class}}*/", flexUserClassSQL(),
		"/*{{flex_classes}}*/", flexClassesSQL(),
	).Replace(sql)
}

// FlexRuleParams are the decision table's rule → license mapping as
// statement parameters: flex_rules (rule ids) and, per model, flex_<model>
// (the license type of each rule under it, "" for none), with
// flex_types_<model> (the model's license types).
func FlexRuleParams() warehouse.Params {
	out := warehouse.Params{}
	var ids []string
	for _, r := range FlexRules {
		if len(r.License) > 0 {
			ids = append(ids, r.ID)
		}
	}
	out["flex_rules"] = warehouse.FormatParam(ids)
	for _, m := range FlexModels {
		var lic []string
		for _, r := range FlexRules {
			if len(r.License) > 0 {
				lic = append(lic, r.License[m.ID])
			}
		}
		out["flex_"+m.ID] = warehouse.FormatParam(lic)
		out["flex_types_"+m.ID] = warehouse.FormatParam(m.LicenseTypes)
	}
	return out
}

// LicensesOf maps a snapshot's rule counts to license counts under a model.
func LicensesOf(model string, classes map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for _, r := range FlexRules {
		if lt := r.License[model]; lt != "" {
			out[lt] += classes[r.ID]
		}
	}
	return out
}

// FlexDecisionTableMarkdown renders the decision table for the README.
func FlexDecisionTableMarkdown() string {
	var b strings.Builder
	b.WriteString("| rule | who | Flex 2.0 | Flex 3.0 NU | Flex 3.0 EA | source |\n|---|---|---|---|---|---|\n")
	for _, r := range FlexRules {
		lic := func(m string) string {
			if v := r.License[m]; v != "" {
				return v
			}
			return "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.ID, r.When, lic("flex2"), lic("flex3_nu"), lic("flex3_ea"), r.Source)
	}
	return b.String()
}
