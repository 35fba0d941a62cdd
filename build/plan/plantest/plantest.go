// Package plantest holds the fixtures the plan tests share with the
// differential check against BuildKit (build/plan/testdata/buildkitcheck):
// fake base images and the "# plan:" options line of test Dockerfiles.
package plantest

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hoistci/hoist/build/plan"
)

// BaseImages are the base image configurations the tests build on.
var BaseImages = map[string]v1.ConfigFile{
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

// Resolve serves BaseImages as plan.Options.BaseConfig does.
func Resolve(ref string, p v1.Platform) (*v1.ConfigFile, error) {
	cfg, ok := BaseImages[ref]
	if !ok {
		return nil, fmt.Errorf("image not found")
	}
	c := cfg.DeepCopy()
	if p.Architecture != "" {
		c.Architecture, c.Variant = p.Architecture, p.Variant
	}
	return c, nil
}

// Options reads "# plan: target=NAME platform=OS/ARCH arg=K=V ..." from
// the first line of a test Dockerfile.
func Options(src []byte) (plan.Options, error) {
	opts := plan.Options{BuildPlatform: "linux/amd64", BaseConfig: Resolve}
	first, _, _ := strings.Cut(string(src), "\n")
	spec, ok := strings.CutPrefix(first, "# plan:")
	if !ok {
		return opts, nil
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
			return opts, fmt.Errorf("unknown plan option %q", f)
		}
	}
	return opts, nil
}
