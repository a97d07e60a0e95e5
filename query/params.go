package query

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Window is an inclusive range of calendar days (UTC).
type Window struct {
	From, To time.Time
}

// Days is how many days the window spans.
func (w Window) Days() int { return int(w.To.Sub(w.From).Hours()/24) + 1 }

const (
	minWindowDays = 7
	maxWindowDays = 90
	// maxPeriodDays bounds an explicit from/to period of a JSON view;
	// longer periods are exports.
	maxPeriodDays = 366
)

var windowRe = regexp.MustCompile(`^([0-9]{1,3})d$`)

// parseWindow reads window=Nd (N days ending today, 7 ≤ N ≤ 90, or
// "today") or from/to (YYYY-MM-DD, inclusive). Without either it is the
// last defaultDays days.
func parseWindow(r *http.Request, today time.Time, defaultDays int, errs *paramErrors) Window {
	q := r.URL.Query()
	win, from, to := q.Get("window"), q.Get("from"), q.Get("to")
	today = today.UTC().Truncate(24 * time.Hour)
	if win != "" && (from != "" || to != "") {
		errs.add("window", "give either window or from/to, not both")
		return Window{}
	}
	if from != "" || to != "" {
		f, ferr := time.Parse(time.DateOnly, from)
		if ferr != nil {
			errs.add("from", "want a date YYYY-MM-DD, got "+strconv.Quote(from))
		}
		t := today
		if to != "" {
			var terr error
			if t, terr = time.Parse(time.DateOnly, to); terr != nil {
				errs.add("to", "want a date YYYY-MM-DD, got "+strconv.Quote(to))
				return Window{}
			}
		}
		if ferr != nil {
			return Window{}
		}
		w := Window{From: f, To: t}
		switch {
		case t.Before(f):
			errs.add("to", "to must not be before from")
		case w.Days() > maxPeriodDays:
			errs.add("to", "a period spans at most "+strconv.Itoa(maxPeriodDays)+" days; use a custom report for longer ones")
		}
		return w
	}
	days := defaultDays
	if win == "today" {
		days = 1
	} else if win != "" {
		m := windowRe.FindStringSubmatch(win)
		n := 0
		if m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		if n < minWindowDays || n > maxWindowDays {
			errs.add("window", "want today or 7d to 90d (days ending today), got "+strconv.Quote(win))
			return Window{}
		}
		days = n
	}
	return Window{From: today.AddDate(0, 0, -(days - 1)), To: today}
}

// checkKnownParams refuses query parameters the route does not take, so a
// misspelt filter is an error rather than silently ignored.
func checkKnownParams(r *http.Request, errs *paramErrors, known ...string) {
	var unknown []string
	for k := range r.URL.Query() {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	takes := "this route takes no parameters"
	if len(known) > 0 {
		takes = "this route takes " + strings.Join(known, ", ")
	}
	for _, k := range unknown {
		errs.add(k, "unknown parameter; "+takes)
	}
}

// idRe is the identifier alphabet of the event contracts
// (schemas/events/defs.schema.json); a path id outside it cannot exist.
var idRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$`)

func checkID(param, v string, errs *paramErrors) {
	if !idRe.MatchString(v) {
		errs.add(param, "not an identifier: want 1-128 characters of [A-Za-z0-9._:@-] starting with a letter or digit")
	}
}

// intParam reads an integer parameter within [lo, hi].
func intParam(r *http.Request, name string, def, lo, hi int, errs *paramErrors) int {
	v := r.URL.Query().Get(name)
	if v == "" {
		if _, given := r.URL.Query()[name]; given {
			errs.add(name, "want an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+", got an empty value")
		}
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		errs.add(name, "want an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+", got "+strconv.Quote(v))
		return def
	}
	return n
}
