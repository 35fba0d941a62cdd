package format

import (
	"encoding/json"
	"io"

	"github.com/hoistci/hoist/lint"
)

func init() { register("json", writeJSON) }

// writeJSON writes the findings as one JSON array of lint.Finding objects,
// hadolint's schema extended with endLine, endColumn, rule and docs:
//
//	[{"code":"DL3006","rule":"tag-image-version","level":"warning",
//	  "message":"...","file":"Dockerfile","line":1,"column":6,
//	  "endLine":1,"endColumn":12,"docs":"https://..."}]
//
// An empty run writes []. The schema is an API: fields are only ever added.
func writeJSON(w io.Writer, r *Report, _ Options) error {
	fs := r.findings()
	if fs == nil {
		fs = []lint.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(fs)
}
