package shellscript

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// checkPositions fails when a command or word lies outside its instruction.
func checkPositions(t *testing.T, name string, s *Script) {
	t.Helper()
	r := s.Instruction.Range
	for _, c := range s.Commands {
		for _, w := range append([]Word{c.NameWord}, c.Args...) {
			if w.Range.Start.Line < r.Start.Line || w.Range.End.Line > r.End.Line || w.Range.Start.Column < 1 {
				t.Fatalf("%s: word %q at %v outside instruction %v", name, w.Raw, w.Range, r)
			}
		}
	}
}

// TestCorpusScripts parses every RUN of the shared corpus.
func TestCorpusScripts(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "corpus", "dockerfiles")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus not found at %s", root)
	}
	scripts, parsed := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range ForFile(dockerfile.Parse(path, src)) {
			scripts++
			if s.Analysable() {
				parsed++
			}
			checkPositions(t, path, s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Templates ({{ }}) are not shell; nearly everything else must parse.
	if parsed < scripts*95/100 {
		t.Errorf("only %d of %d RUN scripts parsed as shell", parsed, scripts)
	}
}

// FuzzScript parses arbitrary Dockerfiles' RUN scripts.
func FuzzScript(f *testing.F) {
	for _, s := range []string{
		"FROM a\nRUN apt-get update && apt-get install -y x=1 \\\n  y | tee z\n",
		"FROM a\nRUN <<EOF\nset -e\napk add x\nEOF\n",
		"FROM a\nRUN [\"sh\", \"-c\", \"echo $X | wc\"]\n",
		"FROM a\nRUN bash -c \"pip install \\\"x\\\"\"\n",
		"FROM a\nONBUILD RUN --mount=type=cache,target=/c make\n",
		"FROM a\nRUN sudo -u x sh -c \"cd $D && env -S 'a b' c | (yes; d) |& e\" || f\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file := dockerfile.Parse("Dockerfile", src)
		for _, s := range ForFile(file) {
			checkPositions(t, "fuzz", s)
			for _, c := range s.Commands {
				c.Unwrap().Positional()
				c.FlagValue("-y", "--yes")
				c.FlagValueWord("-O", "--output")
				c.Operands(NewValueFlags("-o", "--output"))
				if c.Pipeline != nil && (c.PipeStage < 0 || c.PipeStage >= len(c.Pipeline.Commands)) {
					t.Fatalf("stage %d of %d", c.PipeStage, len(c.Pipeline.Commands))
				}
			}
			for _, pl := range s.Pipelines {
				if len(pl.Ops) != len(pl.Commands)-1 || len(pl.Stmts) != len(pl.Commands) {
					t.Fatalf("pipeline of %d stages, %d operators", len(pl.Commands), len(pl.Ops))
				}
			}
		}
	})
}
