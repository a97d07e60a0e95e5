package query

import "embed"

// sqlFiles holds every statement the API runs (the scope lint reads them).
//
//go:embed sql/*.sql
var sqlFiles embed.FS
