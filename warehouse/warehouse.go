// Package warehouse is the one door to ClickHouse. Two backends implement it
// with the same SQL text: the embedded engine (chDB, the default) and a
// ClickHouse server or cluster reached over the native protocol.
//
// Every value reaches SQL as a server-side {name:Type} parameter; callers
// never splice values into statement text.
package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// Warehouse runs statements against ClickHouse.
type Warehouse interface {
	// Exec runs a statement that returns no rows (DDL, INSERT … SELECT).
	Exec(ctx context.Context, sql string, params Params) error
	// Query runs a SELECT and returns all of its rows, typed.
	Query(ctx context.Context, sql string, params Params) (*Result, error)
	// QueryStream runs a SELECT and hands its rows to fn block by block, so
	// that exports of any size run in constant memory.
	QueryStream(ctx context.Context, sql string, params Params, fn func(*Result) error) error
	// Insert writes a batch. A non-empty dedupToken makes the insert
	// idempotent: ClickHouse drops a block it has already seen with the same
	// token (insert_deduplication_token), which ingest relies on for
	// exactly-once delivery.
	Insert(ctx context.Context, b *Batch, dedupToken string) error
	// Ping tells whether the warehouse answers.
	Ping(ctx context.Context) error
	// Kind names the backend ("embedded" or "server") for logs and metrics.
	Kind() string
	io.Closer
}

var dedupTokenRe = regexp.MustCompile(`^[A-Za-z0-9._:/-]{1,200}$`)

// CheckDedupToken tells whether token can be an insert_deduplication_token.
// A setting cannot be a {name:Type} parameter and the embedded backend
// writes it into the statement text, so every backend accepts only this
// alphabet, which also keeps the two backends in agreement.
func CheckDedupToken(token string) error {
	if !dedupTokenRe.MatchString(token) {
		return fmt.Errorf("warehouse: dedup token %q: want 1 to 200 characters of [A-Za-z0-9._:/-]", token)
	}
	return nil
}

// ErrUnavailable wraps failures that are worth retrying: the engine or the
// server did not answer, as opposed to a statement it rejected.
var ErrUnavailable = errors.New("warehouse unavailable")

// Params are server-side query parameters: {name:Type} placeholders in the
// statement text, values in the escaped text form ClickHouse parses a
// parameter with (FormatParam renders it). Both backends pass values through
// unchanged, so the same Params mean the same thing on either.
type Params map[string]string

// P builds Params from name/value pairs, formatting each value in the text
// form ClickHouse parses for its declared type.
func P(kv ...any) Params {
	if len(kv)%2 != 0 {
		panic("warehouse.P: odd number of arguments")
	}
	p := make(Params, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		p[kv[i].(string)] = FormatParam(kv[i+1])
	}
	return p
}

// FormatParam renders a Go value as ClickHouse parameter text.
//
// The server reads a parameter value as escaped (TabSeparated) text, so a
// string's backslashes and control characters are escaped here: unescaped,
// "a\\b" would arrive as "a\b" and a newline would be rejected. nil is NULL,
// for a Nullable placeholder.
func FormatParam(v any) string {
	switch x := v.(type) {
	case nil:
		return `\N`
	case string:
		return escapeText(x)
	case time.Time:
		// Milliseconds for DateTime64(3); a whole second goes without a
		// fraction, which a DateTime placeholder would reject. Use Date for a
		// {x:Date} placeholder.
		x = x.UTC()
		if x.Nanosecond() == 0 {
			return x.Format("2006-01-02 15:04:05")
		}
		return x.Format("2006-01-02 15:04:05.000")
	case Date:
		// The calendar day as written: converting to UTC first would move a
		// local midnight to the previous day east of Greenwich.
		return time.Time(x).Format("2006-01-02")
	case bool:
		if x {
			return "1"
		}
		return "0"
	case []string:
		// Elements are quoted literals inside the array text, which the
		// server does not unescape a second time.
		var sb strings.Builder
		sb.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteByte('\'')
			sb.WriteString(escapeQuoted(s))
			sb.WriteByte('\'')
		}
		sb.WriteByte(']')
		return sb.String()
	case fmt.Stringer:
		return escapeText(x.String())
	default:
		return fmt.Sprint(v)
	}
}

// Date is a calendar day, formatted as YYYY-MM-DD in parameters.
type Date time.Time

var (
	textEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`, "\x00", `\0`)
	quoteEscape = strings.NewReplacer(`\`, `\\`, `'`, `\'`)
)

// escapeText escapes s for the escaped text form of a parameter value.
func escapeText(s string) string { return textEscaper.Replace(s) }

// escapeQuoted escapes s for a single-quoted literal.
func escapeQuoted(s string) string { return quoteEscape.Replace(s) }

// Column describes one column of a result or a batch.
type Column struct {
	Name string
	Type string // ClickHouse type name, e.g. "UInt64", "LowCardinality(String)"
}

// Result holds typed rows. Values are Go types: integers as int64 or uint64,
// floats (and decimals) as float64, strings (also for UUID, FixedString
// without its trailing NUL padding, and an Enum's name), time.Time (UTC) for
// Date/Date32/DateTime/DateTime64, bool, []string for Array(String), []any
// for other arrays and for tuples, map[string]any for maps, and nil for NULL.
// Column types are ClickHouse's names, but for a top-level DateTime with a
// time zone, named plain "DateTime" as ClickHouse's Native format does. A
// result without rows may carry no Columns.
type Result struct {
	Columns []Column
	Rows    [][]any
}

// Index returns the position of the named column, or -1.
func (r *Result) Index(name string) int {
	for i, c := range r.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Maps returns the rows as column-name keyed maps, for JSON answers.
func (r *Result) Maps() []map[string]any {
	out := make([]map[string]any, len(r.Rows))
	for i, row := range r.Rows {
		m := make(map[string]any, len(r.Columns))
		for j, c := range r.Columns {
			m[c.Name] = row[j]
		}
		out[i] = m
	}
	return out
}

// Int reads an integer cell whatever its width or signedness.
func Int(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	case int:
		return int64(x)
	case bool:
		if x {
			return 1
		}
	}
	return 0
}

// Float reads a numeric cell as float64.
func Float(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	}
	return 0
}

// Str reads a string cell.
func Str(v any) string {
	s, _ := v.(string)
	return s
}

// Time reads a date or time cell.
func Time(v any) time.Time {
	t, _ := v.(time.Time)
	return t
}
