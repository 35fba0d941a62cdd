package plan_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hoistci/hoist/build/plan"
	"github.com/hoistci/hoist/build/plan/plantest"
	"github.com/hoistci/hoist/internal/dockerfile"
)

var update = flag.Bool("update", false, "rewrite the golden files")

type goldenStage struct {
	Name     string
	Base     plan.Base
	BaseOf   string   `json:",omitempty"`
	Platform string   `json:""`
	Deps     []string `json:",omitempty"`
	Triggers []string `json:",omitempty"`
	Steps    []goldenStep
}

type goldenStep struct {
	Line    int
	History string   `json:",omitempty"`
	Sources []string `json:",omitempty"`
	Images  []string `json:",omitempty"`
}

type golden struct {
	Error  string         `json:",omitempty"`
	Stages []goldenStage  `json:",omitempty"`
	Config *v1.ConfigFile `json:",omitempty"`
}

func summarize(p *plan.Plan) golden {
	var g golden
	for _, s := range p.Stages {
		gs := goldenStage{Name: s.Name, Base: s.Base, Platform: s.Platform.String(), Triggers: s.Triggers}
		if s.Base.Stage != nil {
			gs.BaseOf = s.Base.Stage.Name
		}
		for _, d := range s.Deps {
			gs.Deps = append(gs.Deps, d.Name)
		}
		for _, st := range s.Steps {
			step := goldenStep{Line: st.Instruction.Range.Start.Line, Images: st.Images}
			if st.History != nil {
				step.History = st.History.CreatedBy
			}
			for _, src := range st.Sources {
				step.Sources = append(step.Sources, src.Name)
			}
			gs.Steps = append(gs.Steps, step)
		}
		g.Stages = append(g.Stages, gs)
	}
	g.Config = p.Target.Config
	return g
}

func TestPlanGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/plan/*.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 15 {
		t.Fatalf("want at least 15 test Dockerfiles, have %d", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".Dockerfile"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f := dockerfile.Parse(filepath.Base(file), src)
			opts, err := plantest.Options(src)
			if err != nil {
				t.Fatal(err)
			}
			p, err := plan.New(f, opts)
			var g golden
			if err != nil {
				g.Error = err.Error()
			} else {
				g = summarize(p)
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			goldenFile := strings.TrimSuffix(file, ".Dockerfile") + ".json"
			if *update {
				if err := os.WriteFile(goldenFile, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenFile)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("plan differs from %s (run go test -update and review the diff):\n%s", goldenFile, got)
			}
		})
	}
}
