package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hoistci/hoist/internal/dockerfile"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// baseImages are the base image configurations the tests build on.
var baseImages = map[string]v1.ConfigFile{
	"alpine:3.20": {
		OS: "linux", Architecture: "amd64",
		Config: v1.Config{
			Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Cmd: []string{"/bin/sh"},
		},
		History: []v1.History{{CreatedBy: "ADD alpine-minirootfs.tar.gz / # buildkit", Comment: "buildkit.dockerfile.v0"}},
		RootFS:  v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{{Algorithm: "sha256", Hex: strings.Repeat("a", 64)}}},
	},
	"node:22": {
		OS: "linux", Architecture: "amd64",
		Config: v1.Config{
			Env:        []string{"PATH=/usr/local/bin:/usr/bin:/bin", "NODE_VERSION=22.1.0"},
			Entrypoint: []string{"docker-entrypoint.sh"},
			Cmd:        []string{"node"},
			WorkingDir: "/srv",
			User:       "node",
		},
		RootFS: v1.RootFS{Type: "layers"},
	},
	"example.com/onbuild:1": {
		OS: "linux", Architecture: "amd64",
		Config: v1.Config{Env: []string{"HOME=/root"}, OnBuild: []string{"COPY . /app"}},
	},
}

func resolve(ref string, p v1.Platform) (*v1.ConfigFile, error) {
	cfg, ok := baseImages[ref]
	if !ok {
		return nil, fmt.Errorf("image not found")
	}
	c := cfg.DeepCopy()
	if p.Architecture != "" {
		c.Architecture, c.Variant = p.Architecture, p.Variant
	}
	return c, nil
}

// options reads "# plan: target=NAME platform=OS/ARCH arg=K=V ..." from
// the first line of a test Dockerfile.
func options(t *testing.T, src []byte) Options {
	opts := Options{BuildPlatform: "linux/amd64", BaseConfig: resolve}
	first, _, _ := strings.Cut(string(src), "\n")
	spec, ok := strings.CutPrefix(first, "# plan:")
	if !ok {
		return opts
	}
	for _, f := range strings.Fields(spec) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "target":
			opts.Target = v
		case "platform":
			opts.Platform = v
		case "arg":
			if opts.BuildArgs == nil {
				opts.BuildArgs = map[string]string{}
			}
			ak, av, _ := strings.Cut(v, "=")
			opts.BuildArgs[ak] = av
		default:
			t.Fatalf("unknown plan option %q", f)
		}
	}
	return opts
}

type goldenStage struct {
	Name     string
	Base     Base
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

func summarize(p *Plan) golden {
	var g golden
	for _, s := range p.Stages {
		gs := goldenStage{Name: s.Name, Base: s.Base, Platform: formatPlatform(s.Platform), Triggers: s.Triggers}
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
			p, err := New(f, options(t, src))
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
