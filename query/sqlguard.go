package query

import (
	"fmt"
	"strings"
)

// Ad-hoc SQL runs one read-only SELECT inside limits. The statement is
// wrapped as a subquery with the limits as the outer query's SETTINGS:
//
//	SELECT * FROM (<statement>) SETTINGS readonly = 1, max_execution_time = …
//
// readonly = 1 refuses writes, DDL and the table functions that reach
// outside the warehouse (file, url, remote, s3 …). A SETTINGS clause inside
// the statement could lift it again for its subquery, and FORMAT or INTO
// OUTFILE would change where the result goes, so the guard refuses those
// words outside literals, quoted names and comments, and refuses a second
// statement.

// SQLLimits bound one ad-hoc statement.
type SQLLimits struct {
	MaxSeconds  int   // max_execution_time
	MaxRows     int64 // max_result_rows
	MaxBytes    int64 // max_result_bytes
	MaxMemory   int64 // max_memory_usage
	MaxReadRows int64 // max_rows_to_read (0: unlimited)
}

// DefaultSQLLimits are the limits unless configured.
var DefaultSQLLimits = SQLLimits{MaxSeconds: 30, MaxRows: 1_000_000, MaxBytes: 512 << 20, MaxMemory: 4 << 30}

// sqlToken is one lexical element of a statement.
type sqlToken struct {
	kind byte // 'w' word, 'p' punctuation, 's' string or quoted name
	text string
	end  int // offset just past the token
}

// lexSQL splits a statement into words, quoted elements and punctuation,
// dropping comments, the way ClickHouse's lexer does for what matters here:
// '…' and "…" and `…` with backslash escapes and doubled quotes, $tag$…$tag$
// heredocs, -- and # line comments, /* … */ comments (nested).
func lexSQL(s string) ([]sqlToken, error) {
	var out []sqlToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-', c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			depth := 0
			for {
				if i+1 >= len(s) {
					return nil, fmt.Errorf("unterminated /* comment")
				}
				if s[i] == '/' && s[i+1] == '*' {
					depth++
					i += 2
					continue
				}
				if s[i] == '*' && s[i+1] == '/' {
					depth--
					i += 2
					if depth == 0 {
						break
					}
					continue
				}
				i++
			}
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("unterminated %c quote", c)
				}
				if s[j] == '\\' {
					j += 2
					continue
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			out = append(out, sqlToken{'s', s[i : j+1], j + 1})
			i = j + 1
		case c == '$':
			// $tag$ … $tag$ heredoc; a lone $ is punctuation.
			end := strings.IndexByte(s[i+1:], '$')
			tag := ""
			if end >= 0 {
				tag = s[i : i+end+2]
			}
			if tag != "" && isWord(tag[1:len(tag)-1]) {
				k := strings.Index(s[i+len(tag):], tag)
				if k < 0 {
					return nil, fmt.Errorf("unterminated %s heredoc", tag)
				}
				out = append(out, sqlToken{'s', s[i : i+len(tag)+k+len(tag)], i + len(tag) + k + len(tag)})
				i += len(tag) + k + len(tag)
				continue
			}
			out = append(out, sqlToken{'p', "$", i + 1})
			i++
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			out = append(out, sqlToken{'w', s[i:j], j})
			i = j
		default:
			out = append(out, sqlToken{'p', string(c), i + 1})
			i++
		}
	}
	return out, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

// GuardSQL checks that statement is one SELECT (or WITH … SELECT) that
// cannot lift its limits, and returns it wrapped in them.
func GuardSQL(statement string, lim SQLLimits) (string, error) {
	toks, err := lexSQL(statement)
	if err != nil {
		return "", err
	}
	// A trailing semicolon is harmless; any other ends one statement and
	// starts another.
	for len(toks) > 0 && toks[len(toks)-1].text == ";" {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 {
		return "", fmt.Errorf("the statement is empty")
	}
	first := strings.ToUpper(toks[0].text)
	if toks[0].kind != 'w' || (first != "SELECT" && first != "WITH") {
		return "", fmt.Errorf("only SELECT statements (or WITH … SELECT) are allowed, not %s", toks[0].text)
	}
	depth := 0
	for _, t := range toks {
		if t.kind == 'p' && t.text == ";" {
			return "", fmt.Errorf("one statement at a time: remove the ';' inside it")
		}
		// Parentheses must balance, or the statement could close the
		// wrapping subquery and go on outside it.
		if t.kind == 'p' && t.text == "(" {
			depth++
		}
		if t.kind == 'p' && t.text == ")" {
			if depth--; depth < 0 {
				return "", fmt.Errorf("unbalanced parentheses: a ')' closes nothing")
			}
		}
		if t.kind != 'w' {
			continue
		}
		switch strings.ToUpper(t.text) {
		case "SETTINGS":
			return "", fmt.Errorf("SETTINGS are not allowed: the limits of ad-hoc SQL are fixed")
		case "FORMAT":
			return "", fmt.Errorf("FORMAT is not allowed: choose the output format with the format parameter")
		case "OUTFILE", "INFILE":
			return "", fmt.Errorf("%s is not allowed: results come back in the answer", strings.ToUpper(t.text))
		}
	}
	if depth != 0 {
		return "", fmt.Errorf("unbalanced parentheses: %d left open", depth)
	}
	// The statement up to its last token: trailing semicolons and comments
	// are left out.
	body := statement[:toks[len(toks)-1].end]
	settings := []string{
		"readonly = 1",
		fmt.Sprintf("max_execution_time = %d", lim.MaxSeconds),
		fmt.Sprintf("max_result_rows = %d", lim.MaxRows),
		fmt.Sprintf("max_result_bytes = %d", lim.MaxBytes),
		"result_overflow_mode = 'throw'",
		fmt.Sprintf("max_memory_usage = %d", lim.MaxMemory),
	}
	if lim.MaxReadRows > 0 {
		settings = append(settings, fmt.Sprintf("max_rows_to_read = %d", lim.MaxReadRows), "read_overflow_mode = 'throw'")
	}
	// The statement goes on its own lines so that a trailing line comment
	// cannot swallow the closing parenthesis.
	return "SELECT * FROM (\n" + body + "\n)\nSETTINGS " + strings.Join(settings, ", "), nil
}
