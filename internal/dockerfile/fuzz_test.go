package dockerfile

import (
	"testing"
)

// FuzzParse checks that Parse never panics and that every instruction's
// positions lie inside the file.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"FROM a\nRUN x \\\n  y\n",
		"FROM a\nCOPY <<A <<B /x\na\nA\nb\nB\n",
		"# escape=`\nFROM a\nRUN x `\n\n  y\n",
		"ARG X=1\nFROM ${X:-y} AS z\n",
		"FROM scratch AS a\nARG A=1 B=$A\nENV C=$B D=\"$C\" E\nONBUILD ENV F=1\nFROM a\nLABEL x=$F\n",
		"\ufeffFROM a\r\nRUN b\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file := Parse("Dockerfile", src)
		n := len(file.Lines)
		for _, in := range file.Instructions {
			r := in.Range
			if r.Start.Line < 1 || r.End.Line > n+1 || r.End.Line < r.Start.Line {
				t.Fatalf("instruction %q at %v in %d lines", in.Keyword, r, n)
			}
			for _, w := range in.Words() {
				if w.Range.Start.Line < r.Start.Line || w.Range.End.Line > r.End.Line {
					t.Fatalf("word %q at %v outside %v", w.Text, w.Range, r)
				}
			}
			for _, kv := range in.KeyValues() {
				if kv.Range.Start.Line < r.Start.Line || kv.Range.End.Line > r.End.Line {
					t.Fatalf("pair %q=%q at %v outside %v", kv.Key, kv.Value, kv.Range, r)
				}
			}
			for _, ref := range VarRefs(in.Logical(), file.EscapeToken) {
				if ref.Offset+ref.Len > len(in.Logical()) {
					t.Fatalf("reference %q past the end", ref.Name)
				}
			}
			// Every scope expands every word without panicking.
			sc := file.Scopes().Before(in)
			for _, w := range in.Words() {
				sc.Expand(w.Text)
				sc.ExpandRaw(w.Text)
			}
			sc.Names()
		}
	})
}
