package query

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// The OpenAPI document is written in YAML, one file per area of the API
// (openapi/*.yaml, merged in file name order), and served as JSON.
//
//go:embed openapi/*.yaml
var openapiFS embed.FS

var (
	specOnce sync.Once
	specJSON []byte
	specErr  error
)

// OpenAPIDocument returns the merged OpenAPI 3.1 document as JSON.
func OpenAPIDocument() ([]byte, error) {
	specOnce.Do(func() { specJSON, specErr = buildSpec() })
	return specJSON, specErr
}

func buildSpec() ([]byte, error) {
	names, err := fs.Glob(openapiFS, "openapi/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	doc := map[string]any{}
	for _, name := range names {
		b, err := openapiFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := yaml.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("query: %s: %w", name, err)
		}
		if err := mergeSpec(doc, part, name, 0); err != nil {
			return nil, err
		}
	}
	addCommonResponses(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("query: openapi document: %w", err)
	}
	return out, nil
}

// mergeSpec merges part into doc: paths, and the named maps under
// components, take entries from every file; anything defined twice is an
// error. Depth 0 is the document, 1 a top-level member (paths,
// components), 2 a components section (schemas, parameters, …).
func mergeSpec(doc, part map[string]any, file string, depth int) error {
	for k, v := range part {
		have, exists := doc[k]
		if !exists {
			doc[k] = v
			continue
		}
		hm, ok1 := have.(map[string]any)
		pm, ok2 := v.(map[string]any)
		mergeable := (depth == 0 && (k == "paths" || k == "components")) || (depth == 1 && ok1 && ok2)
		if !mergeable || !ok1 || !ok2 {
			return fmt.Errorf("query: %s: %q is already defined by an earlier OpenAPI file", file, k)
		}
		if err := mergeSpec(hm, pm, file, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// commonResponses can answer any authenticated operation: no or bad
// credentials, a role without the permission, too many requests, a
// warehouse out of time. They are added to every operation under /api/v1
// that does not document them itself, so the document stays complete as
// routes are added.
var commonResponses = map[string]string{
	"401": "Unauthenticated",
	"403": "Forbidden",
	"429": "RateLimited",
	"503": "Unavailable",
}

func addCommonResponses(doc map[string]any) {
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		if !strings.HasPrefix(path, "/api/v1/") || path == "/api/v1/openapi.json" {
			continue
		}
		ops, _ := item.(map[string]any)
		for method, op := range ops {
			o, ok := op.(map[string]any)
			if !ok || method == "parameters" {
				continue
			}
			responses, _ := o["responses"].(map[string]any)
			if responses == nil {
				responses = map[string]any{}
				o["responses"] = responses
			}
			for code, name := range commonResponses {
				if _, ok := responses[code]; !ok {
					responses[code] = map[string]any{"$ref": "#/components/responses/" + name}
				}
			}
			// A path naming a partner or customer answers 404 for one the
			// caller may not see.
			if _, ok := responses["404"]; !ok && strings.Contains(path, "{") {
				responses["404"] = map[string]any{"$ref": "#/components/responses/NotFound"}
			}
		}
	}
}
