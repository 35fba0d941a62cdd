package metadata

import (
	"fmt"
	"strings"
)

// csvRecord is one record of metadata-action's CSV reading, with the line
// (1-based, within the parsed text) where it starts.
type csvRecord struct {
	fields []string
	line   int
}

// parseCSV reads text the way metadata-action reads its inputs with
// csv-parse: ',' between fields, a line break between records, '"' quotes
// a field that starts with it ("" inside is one quote), a quote inside an
// unquoted field is kept (relaxQuotes), lines with nothing on them are
// skipped (skipEmptyLines). With comment set, a '#' outside quotes starts
// a comment up to the end of the line, also after fields (csv-parse has no
// comment_no_infix here); a line that is only a comment gives no record.
//
// Sources: docker/actions-toolkit src/util.ts Util.getList (parse options
// columns:false, relaxQuotes:true, comment, relaxColumnCount:true,
// skipEmptyLines:true), called by docker/metadata-action src/context.ts
// getInputs with {ignoreComma: true, comment: '#'}; src/tag.ts, flavor.ts
// and image.ts parse each entry again with relaxColumnCount and
// skipEmptyLines but no comment.
func parseCSV(text string, comment bool) ([]csvRecord, error) {
	var (
		records  []csvRecord
		fields   []string
		field    strings.Builder
		line     = 1
		start    = 1
		quoting  bool
		quoteAt  int  // line where the open quote is
		quoted   bool // the current field was quoted (and is closed)
		inField  bool // something (even a quote) was read for this field
		comments bool
	)
	endRecord := func() {
		if inField || len(fields) > 0 {
			fields = append(fields, field.String())
			records = append(records, csvRecord{fields: fields, line: start})
		}
		fields, inField, quoted = nil, false, false
		field.Reset()
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if quoting {
			switch {
			case c == '"' && i+1 < len(text) && text[i+1] == '"':
				field.WriteByte('"')
				i++
			case c == '"':
				quoting, quoted = false, true
			default:
				if c == '\n' {
					line++
				}
				field.WriteByte(c)
			}
			continue
		}
		if c == '\r' || c == '\n' {
			if c == '\r' && i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			comments = false
			endRecord()
			line++
			start = line
			continue
		}
		if comments {
			continue
		}
		if comment && c == '#' {
			comments = true
			continue
		}
		if quoted {
			if c == ',' {
				fields = append(fields, field.String())
				field.Reset()
				quoted, inField = false, false
				continue
			}
			return nil, fmt.Errorf("line %d: a closing quote must end its field, but %q follows it; quote the whole field (\"pattern=a,b\") or drop the quotes", line, string(c))
		}
		switch c {
		case ',':
			fields = append(fields, field.String())
			field.Reset()
			inField = false
		case '"':
			if !inField && field.Len() == 0 {
				quoting, quoteAt, inField = true, line, true
				continue
			}
			field.WriteByte(c)
		default:
			field.WriteByte(c)
			inField = true
		}
	}
	if quoting {
		return nil, fmt.Errorf("line %d: the quote that opens a field is never closed; add the closing '\"'", quoteAt)
	}
	endRecord()
	return records, nil
}

// inputList is docker/actions-toolkit Util.getList with ignoreComma and
// comment '#': each record becomes one entry, its fields joined again by
// ',' (so quotes only protect commas from the first reading, not from the
// second one that splits the entry into attributes), empty entries
// dropped, entries trimmed.
type listEntry struct {
	text string
	line int // within the input text
}

func inputList(text string) ([]listEntry, error) {
	if text == "" {
		return nil, nil
	}
	recs, err := parseCSV(text, true)
	if err != nil {
		return nil, err
	}
	var out []listEntry
	for _, r := range recs {
		s := strings.Join(r.fields, ",")
		// getList drops empty entries before trimming; an entry of spaces
		// would make metadata-action fail on an empty record, so it is
		// dropped here as well.
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		out = append(out, listEntry{text: s, line: r.line})
	}
	return out, nil
}

// entryFields is `parse(entry, {relaxColumnCount, skipEmptyLines})[0]`:
// the fields of the entry's first record.
func entryFields(entry string) ([]string, error) {
	recs, err := parseCSV(entry, false)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, nil
	}
	return recs[0].fields, nil
}
