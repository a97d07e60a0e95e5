package rollup

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flexhub/flexhub/warehouse/whtest"
)

// classCase is one snapshot and what it consumes under each Flex model.
type classCase struct {
	name    string
	rules   []string // the decision-table rules it exercises
	users   []fxUser
	devices []fxDevice
	// want per model: license type → count (types not named are 0).
	flex2, nu, ea map[string]int
}

type lic = map[string]int

func phones(owner string, n int) []fxDevice {
	types := []string{"desk_phone", "softphone", "mobile_client", "video_device", "tablet_client"}
	var out []fxDevice
	for i := 0; i < n; i++ {
		out = append(out, fxDevice{id: fmt.Sprintf("%s-d%02d", owner, i), typ: types[i%len(types)], owner: owner})
	}
	return out
}

// classCases: a case for every rule of the reference and every decision
// where it is silent (rollup/flex_rules.go; README: Flex license usage).
var classCases = []classCase{
	// The reference's knowledge-worker rules.
	{name: "desk phone and a number in the directory profile, no voicemail (KW rule 1)", rules: []string{"U2"},
		users:   []fxUser{{id: "u", dn: "+31201", profile: true}},
		devices: []fxDevice{{id: "SEP1", typ: "desk_phone", owner: "u"}},
		flex2:   lic{"KW": 1}, nu: lic{"ENH": 1}, ea: lic{"KW": 1}},
	{name: "desk phone, number, profile and voicemail (KW rule 1 with voicemail)", rules: []string{"U1"},
		users:   []fxUser{{id: "u", dn: "+31201", profile: true, vm: true}},
		devices: []fxDevice{{id: "SEP1", typ: "desk_phone", owner: "u"}},
		flex2:   lic{"KW": 1}, nu: lic{"PRO": 1}, ea: lic{"KW": 1}},
	{name: "three devices, nothing else (KW rule 2: up to ten devices)", rules: []string{"U1"},
		users: []fxUser{{id: "u"}}, devices: phones("u", 3),
		flex2: lic{"KW": 1}, nu: lic{"PRO": 1}, ea: lic{"KW": 1}},
	{name: "ten devices: still one license", rules: []string{"U1"},
		users: []fxUser{{id: "u", vm: true}}, devices: phones("u", 10),
		flex2: lic{"KW": 1}, nu: lic{"PRO": 1}, ea: lic{"KW": 1}},
	{name: "a directory number only (KW rule 2)", rules: []string{"U3"},
		users: []fxUser{{id: "u", dn: "+31201"}},
		flex2: lic{"KW": 1}, nu: lic{"ACC": 1}, ea: lic{"ACC": 1}},
	{name: "single number reach only (KW rule 2)", rules: []string{"U3"},
		users: []fxUser{{id: "u", snr: true}},
		flex2: lic{"KW": 1}, nu: lic{"ACC": 1}, ea: lic{"ACC": 1}},
	{name: "voicemail only (KW rule 2)", rules: []string{"U1"},
		users: []fxUser{{id: "u", vm: true}},
		flex2: lic{"KW": 1}, nu: lic{"PRO": 1}, ea: lic{"KW": 1}},
	{name: "extension mobility only (KW rule 2)", rules: []string{"U2"},
		users: []fxUser{{id: "u", em: true}},
		flex2: lic{"KW": 1}, nu: lic{"ENH": 1}, ea: lic{"KW": 1}},
	{name: "no phone, extension mobility and a directory profile (KW rule 3)", rules: []string{"U2"},
		users: []fxUser{{id: "u", em: true, profile: true}},
		flex2: lic{"KW": 1}, nu: lic{"ENH": 1}, ea: lic{"KW": 1}},
	{name: "smartphone UC client on the directory profile (KW rule 4)", rules: []string{"U2"},
		users: []fxUser{{id: "u", mobile: true, profile: true}},
		flex2: lic{"KW": 1}, nu: lic{"ENH": 1}, ea: lic{"KW": 1}},
	{name: "tablet UC client on the directory profile (KW rule 4)", rules: []string{"U2"},
		users: []fxUser{{id: "u", tablet: true, profile: true}},
		flex2: lic{"KW": 1}, nu: lic{"ENH": 1}, ea: lic{"KW": 1}},
	// The reference's common-area and TelePresence rules.
	{name: "analog adapter in a hallway, no user (CA)", rules: []string{"D2"},
		devices: []fxDevice{{id: "ATA1", typ: "analog_adapter"}},
		flex2:   lic{"CA": 1}, nu: lic{"ACC": 1}, ea: lic{"CA": 1}},
	{name: "conference-room phone and lobby desk phone, no user (CA)", rules: []string{"D2"},
		devices: []fxDevice{{id: "CONF1", typ: "conference_phone"}, {id: "SEP9", typ: "desk_phone"}},
		flex2:   lic{"CA": 2}, nu: lic{"ACC": 2}, ea: lic{"CA": 2}},
	{name: "TelePresence by flag and by device type, no user (TP)", rules: []string{"D1"},
		devices: []fxDevice{{id: "TP1", typ: "video_device", tp: true}, {id: "TP2", typ: "telepresence"}},
		flex2:   lic{"TP": 2}, nu: lic{"TP": 2}, ea: lic{"TP": 2}},
	// Decisions where the reference is silent.
	{name: "decision: a TelePresence device of a user is TP only and no device of the user", rules: []string{"D1", "U0"},
		users: []fxUser{{id: "u"}}, devices: []fxDevice{{id: "TP1", typ: "telepresence", owner: "u", tp: true}},
		flex2: lic{"TP": 1}, nu: lic{"TP": 1}, ea: lic{"TP": 1}},
	{name: "decision: more than ten devices — one license, each device beyond ten as an endpoint", rules: []string{"U1", "D4"},
		users: []fxUser{{id: "u", dn: "+31201", vm: true}}, devices: phones("u", 12),
		flex2: lic{"KW": 1, "CA": 2}, nu: lic{"PRO": 1, "ACC": 2}, ea: lic{"KW": 1, "CA": 2}},
	{name: "decision: a user matching several tiers takes the highest, once", rules: []string{"U1"},
		users:   []fxUser{{id: "u", dn: "+31201", profile: true, vm: true, snr: true, em: true, mobile: true}},
		devices: []fxDevice{{id: "SEP1", typ: "desk_phone", owner: "u"}},
		flex2:   lic{"KW": 1}, nu: lic{"PRO": 1}, ea: lic{"KW": 1}},
	{name: "decision: one desk phone and a number is Enhanced, not Access", rules: []string{"U2"},
		users:   []fxUser{{id: "u", dn: "+31201"}},
		devices: []fxDevice{{id: "SEP1", typ: "desk_phone", owner: "u"}},
		flex2:   lic{"KW": 1}, nu: lic{"ENH": 1}, ea: lic{"KW": 1}},
	{name: "decision: a user whose only device is an analog adapter is Access", rules: []string{"U3"},
		users: []fxUser{{id: "u"}}, devices: []fxDevice{{id: "ATA1", typ: "analog_adapter", owner: "u"}},
		flex2: lic{"KW": 1}, nu: lic{"ACC": 1}, ea: lic{"ACC": 1}},
	{name: "decision: a UC client without a directory profile licenses nothing", rules: []string{"U0"},
		users: []fxUser{{id: "u", mobile: true}},
		flex2: lic{}, nu: lic{}, ea: lic{}},
	{name: "decision: a user with only a directory profile, or nothing, licenses nothing", rules: []string{"U0"},
		users: []fxUser{{id: "u1", profile: true}, {id: "u2"}},
		flex2: lic{}, nu: lic{}, ea: lic{}},
	{name: "decision: an unassociated soft client licenses nothing", rules: []string{"D3"},
		devices: []fxDevice{{id: "CSF1", typ: "softphone"}, {id: "BOT1", typ: "mobile_client"}},
		flex2:   lic{}, nu: lic{}, ea: lic{}},
	{name: "decision: a device whose user is not in the snapshot is unassociated", rules: []string{"D2", "D3"},
		devices: []fxDevice{{id: "SEP1", typ: "desk_phone", owner: "gone"}, {id: "CSF1", typ: "softphone", owner: "gone"}},
		flex2:   lic{"CA": 1}, nu: lic{"ACC": 1}, ea: lic{"CA": 1}},
	{name: "a mixed cluster adds up", rules: []string{"U1", "U2", "U3", "D1", "D2"},
		users: []fxUser{{id: "a", vm: true}, {id: "b", em: true}, {id: "c", dn: "+31"}, {id: "d"}},
		devices: []fxDevice{{id: "SEP1", typ: "desk_phone", owner: "a"}, {id: "ATA1", typ: "analog_adapter"},
			{id: "TP1", typ: "telepresence", tp: true}},
		flex2: lic{"KW": 3, "CA": 1, "TP": 1}, nu: lic{"PRO": 1, "ENH": 1, "ACC": 2, "TP": 1}, ea: lic{"KW": 2, "ACC": 1, "CA": 1, "TP": 1}},
}

// Every case runs through the real rollup under each model: one customer
// per case and model with a subscription of that model and the case's
// snapshot on its cluster; flex_usage_daily must show exactly the want.
func TestFlexClassificationDecisionTable(t *testing.T) {
	w := whtest.Database(t)
	f := newFlexWorld(t, w)
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	models := []struct {
		id   string
		want func(c classCase) lic
	}{
		{"flex2", func(c classCase) lic { return c.flex2 }},
		{"flex3_nu", func(c classCase) lic { return c.nu }},
		{"flex3_ea", func(c classCase) lic { return c.ea }},
	}
	want := map[string]string{}
	for i, c := range classCases {
		for _, m := range models {
			customer := fmt.Sprintf("c%02d-%s", i, m.id)
			f.sync("p1", customer, customer+"-A", "s1", day.Add(9*time.Hour), c.users, c.devices)
			f.subscription("p1", customer, "sub-"+customer, m.id, "active", day.AddDate(0, -1, 0), time.Time{},
				map[string]uint32{}, day.AddDate(0, -1, 0))
			for _, model := range FlexModels {
				if model.ID != m.id {
					continue
				}
				for _, lt := range model.LicenseTypes {
					n := m.want(c)[lt]
					want[fmt.Sprintf("2026-11-20 %s sub-%s %s", customer, customer, lt)] = fmt.Sprintf("0/%d/%d", n, n)
				}
			}
		}
	}
	f.flush()
	wk := quietWorker(w, day.Add(23*time.Hour))
	if err := wk.LicenseUsageDays(t.Context(), day, day); err != nil {
		t.Fatal(err)
	}
	got := usageRows(t, w)
	for i, c := range classCases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range want {
				if strings.Contains(k, fmt.Sprintf(" c%02d-", i)) && got[k] != v {
					t.Errorf("%s = %q, want %q (purchased/consumed/overage)", k, got[k], v)
				}
			}
		})
	}
	if len(got) != len(want) {
		t.Errorf("%d usage rows, want %d", len(got), len(want))
	}
}

// Every rule of the decision table has a case, and the README shows the
// table as the code has it.
func TestEveryFlexRuleHasACaseAndIsDocumented(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range classCases {
		for _, r := range c.rules {
			covered[r] = true
		}
	}
	for _, r := range FlexRules {
		if !covered[r.ID] {
			t.Errorf("rule %s (%s) has no classification case", r.ID, r.When)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), FlexDecisionTableMarkdown()) {
		t.Errorf("README.md lacks the decision table as rollup/flex_rules.go renders it:\n%s", FlexDecisionTableMarkdown())
	}
}
