// Package buildkitcheck runs BuildKit's own Dockerfile converter on
// build/plan's test Dockerfiles and compares the image configuration and
// history with the plan's. It is a separate module (under testdata, so
// the main module ignores it) because dockerfile2llb pulls in dependencies
// hoist does not otherwise need: run it with
//
//	cd build/plan/testdata/buildkitcheck && go test ./...
package buildkitcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hoistci/hoist/build/plan"
	"github.com/hoistci/hoist/build/plan/plantest"
	"github.com/hoistci/hoist/internal/dockerfile"
)

// fakeResolver serves plantest.BaseImages to BuildKit's converter.
type fakeResolver struct{}

func (fakeResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	ref = strings.TrimPrefix(strings.TrimPrefix(ref, "docker.io/"), "library/")
	var p v1.Platform
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		pl := opt.ImageOpt.Platform
		p = v1.Platform{OS: pl.OS, Architecture: pl.Architecture, Variant: pl.Variant}
	}
	cfg, err := plantest.Resolve(ref, p)
	if err != nil {
		return "", "", nil, fmt.Errorf("%s: %w", ref, err)
	}
	dt, err := json.Marshal(cfg)
	return ref, "", dt, err
}

// knownDeviations are the test files where hoist differs from BuildKit on
// purpose or has not caught up yet.
var knownDeviations = map[string]string{
	"run_args_history": "hoist keeps proxy ARG values out of history",
	"base_onbuild":     "ONBUILD triggers of a base are recorded, not run yet",
}

// TestMatchesBuildKit runs BuildKit's own dockerfile2llb converter on every
// test Dockerfile that builds and compares the image configuration and
// history it produces with the plan's.
func TestMatchesBuildKit(t *testing.T) {
	files, err := filepath.Glob("../plan/*.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".Dockerfile")
		t.Run(name, func(t *testing.T) {
			if why, ok := knownDeviations[name]; ok && os.Getenv("ALL") == "" {
				t.Skip(why)
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			opts, err := plantest.Options(src)
			if err != nil {
				t.Fatal(err)
			}
			p, err := plan.New(dockerfile.Parse(name, src), opts)
			if err != nil {
				return // error cases are covered by the golden files
			}
			bp := platforms.Normalize(platforms.MustParse(opts.BuildPlatform))
			tp := bp
			if opts.Platform != "" {
				tp = platforms.Normalize(platforms.MustParse(opts.Platform))
			}
			conv := dockerfile2llb.ConvertOpt{
				Config: dockerui.Config{
					BuildArgs:       opts.BuildArgs,
					Target:          opts.Target,
					BuildPlatforms:  []ocispecs.Platform{{OS: bp.OS, Architecture: bp.Architecture, Variant: bp.Variant}},
					TargetPlatforms: []ocispecs.Platform{{OS: tp.OS, Architecture: tp.Architecture, Variant: tp.Variant}},
				},
				TargetPlatform: &ocispecs.Platform{OS: tp.OS, Architecture: tp.Architecture, Variant: tp.Variant},
				MetaResolver:   fakeResolver{},
			}
			res, err := dockerfile2llb.Dockerfile2LLB(context.Background(), src, conv)
			if err != nil {
				t.Fatalf("BuildKit: %v", err)
			}
			bk := res.Image
			got := p.Target.Config
			c := got.Config
			type view struct {
				Env, Cmd, Entrypoint, Shell, OnBuild []string
				WorkingDir, User, StopSignal         string
				Labels                               map[string]string
				ExposedPorts, Volumes                map[string]struct{}
				ArgsEscaped                          bool
				Health                               string
				History                              []string
				OS, Arch, Variant                    string
			}
			mine := view{c.Env, c.Cmd, c.Entrypoint, c.Shell, c.OnBuild, c.WorkingDir, c.User, c.StopSignal, c.Labels, c.ExposedPorts, c.Volumes, c.ArgsEscaped, "", nil, got.OS, got.Architecture, got.Variant}
			if h := c.Healthcheck; h != nil {
				mine.Health = fmt.Sprintf("%v %v %v %v %v", h.Test, h.Interval, h.Timeout, h.StartPeriod, h.Retries)
			}
			for _, h := range got.History {
				mine.History = append(mine.History, fmt.Sprintf("%s empty=%v", h.CreatedBy, h.EmptyLayer))
			}
			b := bk.Config
			theirs := view{b.Env, b.Cmd, b.Entrypoint, b.Shell, b.OnBuild, b.WorkingDir, b.User, b.StopSignal, b.Labels, b.ExposedPorts, b.Volumes, b.ArgsEscaped, "", nil, bk.OS, bk.Architecture, bk.Variant}
			if h := b.Healthcheck; h != nil {
				theirs.Health = fmt.Sprintf("%v %v %v %v %v", h.Test, h.Interval, h.Timeout, h.StartPeriod, h.Retries)
			}
			for _, h := range bk.History {
				theirs.History = append(theirs.History, fmt.Sprintf("%s empty=%v", h.CreatedBy, h.EmptyLayer))
			}
			normalize := func(v *view) {
				for _, m := range []*[]string{&v.Env, &v.Cmd, &v.Entrypoint, &v.Shell, &v.OnBuild, &v.History} {
					if len(*m) == 0 {
						*m = nil
					}
				}
				if len(v.Labels) == 0 {
					v.Labels = nil
				}
				if len(v.ExposedPorts) == 0 {
					v.ExposedPorts = nil
				}
				if len(v.Volumes) == 0 {
					v.Volumes = nil
				}
			}
			normalize(&mine)
			normalize(&theirs)
			if !reflect.DeepEqual(mine, theirs) {
				a, _ := json.MarshalIndent(mine, "", "  ")
				b, _ := json.MarshalIndent(theirs, "", "  ")
				t.Errorf("hoist:\n%s\nBuildKit:\n%s", a, b)
			}
		})
	}
}
