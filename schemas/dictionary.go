package schemas

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// DictTable is one table of the data dictionary.
type DictTable struct {
	Name        string       `json:"name"`
	Migration   string       `json:"migration"`
	Description string       `json:"description"`
	Engine      string       `json:"engine"`
	Columns     []DictColumn `json:"columns"`
}

// DictColumn is one column.
type DictColumn struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
}

var (
	createRe = regexp.MustCompile(`(?m)^CREATE TABLE IF NOT EXISTS \{\{table "([a-z0-9_]+)"\}\}`)
	dropRe   = regexp.MustCompile(`(?m)^\{\{dropTable "([a-z0-9_]+)"\}\}`)
	engineRe = regexp.MustCompile(`ENGINE = \{\{engine "[a-z0-9_]+" "([^"]+)"\}\}`)
)

// Dictionary describes every table the migrations create: the comment
// block right above each CREATE TABLE is the table's description, a
// trailing "-- …" on a column line the column's.
func Dictionary() ([]DictTable, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []DictTable
	for _, e := range entries {
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		text := string(b)
		lines := strings.Split(text, "\n")
		for _, m := range createRe.FindAllStringSubmatchIndex(text, -1) {
			t := DictTable{Name: text[m[2]:m[3]], Migration: strings.TrimSuffix(e.Name(), ".sql")}
			start := strings.Count(text[:m[0]], "\n")
			// The description: contiguous comment lines just above.
			var desc []string
			for i := start - 1; i >= 0 && strings.HasPrefix(strings.TrimSpace(lines[i]), "--"); i-- {
				desc = append([]string{strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i]), "--"))}, desc...)
			}
			t.Description = strings.Join(desc, " ")
			// Columns: the lines between "(" and ")" that follow.
			i := start + 1
			for i < len(lines) && strings.TrimSpace(lines[i]) != "(" {
				i++
			}
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ")"; i++ {
				if c, ok := parseColumn(lines[i]); ok {
					t.Columns = append(t.Columns, c)
				}
			}
			if em := engineRe.FindStringSubmatch(text[m[0]:]); em != nil {
				t.Engine = em[1]
			}
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Migration < out[j].Migration })
	// A table a later migration drops is not in the dictionary.
	for _, e := range entries {
		b, _ := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		for _, m := range dropRe.FindAllStringSubmatch(string(b), -1) {
			out = slices.DeleteFunc(out, func(t DictTable) bool { return t.Name == m[1] })
		}
	}
	return out, nil
}

func parseColumn(line string) (DictColumn, bool) {
	def, comment, _ := strings.Cut(line, "--")
	def = strings.TrimSuffix(strings.TrimSpace(def), ",")
	if def == "" || strings.HasPrefix(def, "INDEX ") || strings.HasPrefix(def, "PROJECTION ") {
		return DictColumn{}, false
	}
	name, typ, ok := strings.Cut(def, " ")
	if !ok {
		return DictColumn{}, false
	}
	typ = strings.TrimSpace(typ)
	for _, kw := range []string{" DEFAULT ", " MATERIALIZED ", " ALIAS ", " CODEC(", " TTL ", " COMMENT "} {
		if i := strings.Index(typ, kw); i >= 0 {
			typ = typ[:i]
		}
	}
	return DictColumn{Name: strings.Trim(name, "`"), Type: strings.TrimSpace(typ), Description: strings.TrimSpace(comment)}, true
}

// DictionaryMarkdown renders the dictionary for docs/data-dictionary.md.
func DictionaryMarkdown() (string, error) {
	tables, err := Dictionary()
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.WriteString("# Data dictionary\n\nGenerated from schemas/migrations by `go test ./schemas -run DataDictionary -update`; do not edit.\n")
	sb.WriteString("Every table lives in the flexhub database (`--database`); on a cluster the plain name is a Distributed table over `<name>_local`.\n")
	for _, t := range tables {
		fmt.Fprintf(&sb, "\n## %s\n\n", t.Name)
		if t.Description != "" {
			fmt.Fprintf(&sb, "%s\n\n", t.Description)
		}
		fmt.Fprintf(&sb, "Engine `%s`, migration `%s`.\n\n| column | type | description |\n|---|---|---|\n", t.Engine, t.Migration)
		for _, c := range t.Columns {
			fmt.Fprintf(&sb, "| `%s` | `%s` | %s |\n", c.Name, c.Type, c.Description)
		}
	}
	return sb.String(), nil
}
