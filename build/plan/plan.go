// Package plan turns a parsed Dockerfile into what the builder executes: the
// stages the target needs, in dependency order, each with its base, its
// platform, its steps with their words expanded, and the image configuration
// (with history) its metadata instructions produce, exactly as BuildKit's
// dockerfile2llb would.
package plan

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// Options are the inputs of a build that the plan depends on.
type Options struct {
	// Target is the stage to build (--target); "" is the last stage.
	Target string
	// BuildArgs are the --build-arg values.
	BuildArgs map[string]string
	// Platform is the target platform, os/arch[/variant]; "" is the build
	// platform.
	Platform string
	// BuildPlatform is the platform the build runs on; "" is the host's
	// (linux/GOARCH).
	BuildPlatform string
	// BaseConfig returns the configuration of a base image (the reference
	// expanded, never "scratch" nor a stage) for a platform. It is only
	// called for the stages the target needs.
	BaseConfig func(ref string, platform v1.Platform) (*v1.ConfigFile, error)
}

// Plan is the stages to build for a target.
type Plan struct {
	// Stages are the needed stages in dependency order: each comes after
	// every stage it depends on; the target is last.
	Stages []*Stage
	// Target is the stage built.
	Target *Stage
}

// Stage is one stage of the plan.
type Stage struct {
	// Source is the stage in the Dockerfile model.
	Source *dockerfile.Stage
	// Name is the stage name, or "stage-N" as BuildKit calls unnamed stages.
	Name string
	// Base is what the stage starts from.
	Base Base
	// Platform is the platform the stage is built for.
	Platform v1.Platform
	// Steps are the stage's instructions after FROM, one each.
	Steps []*Step
	// Deps are the stages this one needs (its base stage, COPY --from and
	// RUN --mount from= stages), in file order.
	Deps []*Stage
	// Triggers are the ONBUILD triggers of the base image or base stage,
	// which BuildKit runs before the stage's own instructions. The plan
	// records them; it does not run them (see Plan's doc in the report).
	Triggers []string
	// Config is the image configuration the stage produces, with history.
	Config *v1.ConfigFile
}

// Base is what a stage is built FROM: exactly one of the fields is set.
type Base struct {
	// Image is the image reference with the ARGs expanded.
	Image string `json:",omitempty"`
	// Scratch is true for FROM scratch.
	Scratch bool `json:",omitempty"`
	// Stage is an earlier stage.
	Stage *Stage `json:"-"`
}

// Step is one instruction of a stage.
type Step struct {
	// Instruction is the instruction in the Dockerfile model.
	Instruction *dockerfile.Instruction
	// Command is a private copy of BuildKit's typed instruction with its
	// words expanded the way dispatch does (ARG, ONBUILD: as written).
	Command instructions.Command
	// Sources are the stages a COPY --from or RUN --mount from= reads.
	Sources []*Stage
	// Images are the image references a COPY --from or RUN --mount from=
	// reads (names that are no stage).
	Images []string
	// History is the history entry the step adds (nil: none, as ONBUILD).
	History *v1.History
	// Trigger is true for an ONBUILD trigger of the base, which runs
	// before the stage's own instructions; its Instruction is positioned
	// at the stage's FROM.
	Trigger bool `json:",omitempty"`
	// Config is what a RUN, COPY, ADD or WORKDIR executes with after the
	// step: the image configuration's Env, User, WorkingDir and Shell (its
	// other fields are left empty). nil for the other instructions.
	Config *v1.Config `json:"-"`
	// Env is the environment a RUN executes with: the image's ENV and the
	// ARGs with a value, in BuildKit's order (dispatchArg adds them to the
	// build state, not to the image). nil where Config is.
	Env []string `json:"-"`
}

// Error is a plan error at a place in the Dockerfile.
type Error struct {
	File  string
	Range dockerfile.Range
	Msg   string
}

func (e *Error) Error() string {
	name := e.File
	if name == "" {
		name = "Dockerfile"
	}
	return fmt.Sprintf("%s:%d:%d: %s", name, e.Range.Start.Line, e.Range.Start.Column, e.Msg)
}

func errAt(f *dockerfile.File, r dockerfile.Range, format string, args ...any) error {
	return &Error{File: f.Name, Range: r, Msg: fmt.Sprintf(format, args...)}
}

// New plans the build of opts.Target from f.
func New(f *dockerfile.File, opts Options) (*Plan, error) {
	if f.Err != nil {
		return nil, &Error{File: f.Name, Range: f.Err.Range, Msg: f.Err.Msg}
	}
	if len(f.Stages) == 0 {
		return nil, fmt.Errorf("%s: the Dockerfile has no FROM instruction: nothing to build", nameOf(f))
	}
	for _, in := range f.Instructions {
		if in.Err != nil {
			return nil, &Error{File: f.Name, Range: in.Err.Range, Msg: in.Err.Msg}
		}
	}
	target, err := findTarget(f, opts.Target)
	if err != nil {
		return nil, err
	}
	build, err := parsePlatform(opts.BuildPlatform, v1.Platform{OS: "linux", Architecture: runtime.GOARCH})
	if err != nil {
		return nil, fmt.Errorf("build platform: %w", err)
	}
	tgt, err := parsePlatform(opts.Platform, build)
	if err != nil {
		return nil, fmt.Errorf("--platform: %w", err)
	}
	so := dockerfile.ScopeOptions{
		BuildArgs: opts.BuildArgs,
		Platform:  platformArgs(build, tgt),
		Target:    strings.ToLower(target.Name),
	}
	global := f.NewScopes(so).Global()

	p := &planner{f: f, opts: opts, target: tgt, stages: map[*dockerfile.Stage]*Stage{}, configs: map[*dockerfile.Stage]*v1.ConfigFile{}}
	// Bases and dependencies of every stage, in file order (BuildKit's
	// buildDispatchStates and toCommand).
	all := make([]*Stage, len(f.Stages))
	for i, s := range f.Stages {
		st, err := p.newStage(s, global, all[:i])
		if err != nil {
			return nil, err
		}
		all[i] = st
	}
	need := map[*Stage]bool{}
	var mark func(*Stage)
	mark = func(s *Stage) {
		if need[s] {
			return
		}
		need[s] = true
		for _, d := range s.Deps {
			mark(d)
		}
	}
	mark(all[target.Index])
	plan := &Plan{Target: all[target.Index]}
	for _, s := range all {
		if need[s] {
			plan.Stages = append(plan.Stages, s)
		}
	}
	// The base images' configurations, for the stages needed only.
	for _, s := range plan.Stages {
		if s.Base.Image == "" {
			continue
		}
		if opts.BaseConfig == nil {
			return nil, errAt(f, s.Source.From.LineRange(), "FROM %s: no way to resolve base images", s.Base.Image)
		}
		cfg, err := opts.BaseConfig(s.Base.Image, s.Platform)
		if err != nil {
			return nil, errAt(f, s.Source.BaseWord().Range, "FROM %s: %v", s.Base.Image, err)
		}
		if cfg == nil {
			cfg = &v1.ConfigFile{}
		}
		p.configs[s.Source] = cfg
	}
	so.ImageEnv = func(s *dockerfile.Stage) ([]string, bool) {
		cfg, ok := p.configs[s]
		if !ok {
			return nil, false
		}
		return cfg.Config.Env, true
	}
	scopes := f.NewScopes(so)
	for _, s := range plan.Stages {
		if err := p.dispatch(s, scopes); err != nil {
			return nil, err
		}
	}
	return plan, nil
}

func nameOf(f *dockerfile.File) string {
	if f.Name == "" {
		return "Dockerfile"
	}
	return f.Name
}

// findTarget mirrors dispatchContext.resolveTarget: names match without
// regard to case; an unknown target lists the stage names.
func findTarget(f *dockerfile.File, name string) (*dockerfile.Stage, error) {
	if name == "" {
		return f.Stages[len(f.Stages)-1], nil
	}
	var names []string
	for _, s := range f.Stages {
		if s.Name != "" {
			if strings.EqualFold(s.Name, name) {
				return s, nil
			}
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("target stage %q could not be found: %s has no named stage (name one with FROM ... AS NAME)", name, nameOf(f))
	}
	return nil, fmt.Errorf("target stage %q could not be found; the stages are: %s", name, strings.Join(names, ", "))
}

type planner struct {
	f       *dockerfile.File
	opts    Options
	target  v1.Platform
	stages  map[*dockerfile.Stage]*Stage
	configs map[*dockerfile.Stage]*v1.ConfigFile
	// finalArgs are the ARGs a dispatched stage ends with.
	finalArgs map[*Stage][]argValue
	// finalEnv is the state environment a dispatched stage ends with.
	finalEnv map[*Stage][]string
	// triggerScope is the scope the stage being dispatched starts with,
	// where its ONBUILD triggers are expanded.
	triggerScope *dockerfile.Scope
}

var quiet = linter.New(&linter.Config{SkipAll: true})

// newStage resolves a stage's base, platform and dependencies; earlier are
// the stages before it.
func (p *planner) newStage(s *dockerfile.Stage, global *dockerfile.Scope, earlier []*Stage) (*Stage, error) {
	f := p.f
	st := &Stage{Source: s, Name: s.Name}
	if st.Name == "" {
		st.Name = "stage-" + strconv.Itoa(s.Index)
	}
	p.stages[s] = st
	// buildDispatchStates: the base name is expanded in the global scope.
	base := global.Expand(s.BaseName)
	if base.Err != nil {
		return nil, errAt(f, s.BaseWord().Range, "FROM %s: %v", s.BaseName, base.Err)
	}
	if base.Result == "" {
		return nil, errAt(f, s.BaseWord().Range, "base name (%s) should not be blank", s.BaseName)
	}
	st.Platform = p.target
	if s.Platform != "" {
		e := global.Expand(s.Platform)
		if e.Err != nil || e.Result == "" {
			return nil, errAt(f, s.From.LineRange(), "FROM --platform=%s: empty or invalid platform", s.Platform)
		}
		pl, err := parsePlatform(e.Result, p.target)
		if err != nil {
			return nil, errAt(f, s.From.LineRange(), "FROM --platform=%s: %v", s.Platform, err)
		}
		st.Platform = pl
	}
	// dispatchStates.addState: FROM names an earlier stage by name.
	for _, prev := range earlier {
		if prev.Source.Name != "" && strings.EqualFold(prev.Source.Name, base.Result) {
			st.Base.Stage = prev
		}
	}
	if st.Base.Stage == nil {
		for _, later := range f.Stages[s.Index:] {
			if later.Name != "" && strings.EqualFold(later.Name, base.Result) {
				return nil, errAt(f, s.BaseWord().Range, "FROM %s: stage %q is defined at line %d, after this one: a stage can only be built on an earlier stage", base.Result, later.Name, later.From.Range.Start.Line)
			}
		}
	}
	var linked *dockerfile.Stage
	if st.Base.Stage != nil {
		linked = st.Base.Stage.Source
	}
	if linked != s.BaseStage {
		// The shared model links stages with the ARG defaults; a
		// --build-arg naming another stage would need its scopes redone.
		return nil, errAt(f, s.BaseWord().Range, "FROM %s: a build argument that changes which stage this one is built on is not supported yet", s.BaseName)
	}
	switch {
	case st.Base.Stage != nil:
		st.Deps = append(st.Deps, st.Base.Stage)
	case strings.EqualFold(base.Result, "scratch"):
		st.Base.Scratch = true
	default:
		st.Base.Image = base.Result
	}
	for _, in := range s.Instructions {
		step := &Step{Instruction: in}
		refs, err := fromRefs(in)
		if err != nil {
			return nil, errAt(f, in.LineRange(), "%v", err)
		}
		for _, ref := range refs {
			src, img, err := p.findSource(s, in, ref, earlier)
			if err != nil {
				return nil, err
			}
			if src != nil {
				step.Sources = append(step.Sources, src)
				if !slices.Contains(st.Deps, src) {
					st.Deps = append(st.Deps, src)
				}
			} else if img != "" {
				step.Images = append(step.Images, img)
			}
		}
		st.Steps = append(st.Steps, step)
	}
	slices.SortFunc(st.Deps, func(a, b *Stage) int { return a.Source.Index - b.Source.Index })
	return st, nil
}

// fromRef is a reference to another stage or an image, with where it is.
type fromRef struct {
	name  string
	flag  dockerfile.Flag
	mount bool
}

// fromRefs are the COPY --from and RUN --mount from= references of an
// instruction (toCommand, detectRunMount).
func fromRefs(in *dockerfile.Instruction) ([]fromRef, error) {
	var out []fromRef
	switch c := in.Typed.(type) {
	case *instructions.CopyCommand:
		if c.From != "" {
			fl, _ := in.Flag("from")
			out = append(out, fromRef{name: c.From, flag: fl})
		}
	case *instructions.RunCommand:
		for _, m := range instructions.GetMounts(c) {
			if m.From == "" {
				continue
			}
			var fl dockerfile.Flag
			for _, f := range in.Flags {
				if f.Name == "mount" && strings.Contains(f.Value, m.From) {
					fl = f
					break
				}
			}
			out = append(out, fromRef{name: m.From, flag: fl, mount: true})
		}
	}
	return out, nil
}

// findSource resolves a --from reference: an earlier stage by name or (for
// COPY) index, else an image. A later stage is an error, as dispatch's
// "cannot copy from stage" is.
func (p *planner) findSource(s *dockerfile.Stage, in *dockerfile.Instruction, ref fromRef, earlier []*Stage) (*Stage, string, error) {
	f := p.f
	r := ref.flag.Range
	if r.Start.Line == 0 {
		r = in.LineRange()
	}
	what := "COPY --from=" + ref.name
	if ref.mount {
		what = "RUN --mount from=" + ref.name
	}
	if strings.ContainsAny(ref.name, "$") && !ref.mount {
		return nil, "", errAt(f, r, "%s: variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround", what)
	}
	if n, err := strconv.Atoi(ref.name); err == nil && !ref.mount {
		if n < 0 || n >= len(f.Stages) {
			return nil, "", errAt(f, r, "%s: invalid stage index %d: the Dockerfile has %d stages", what, n, len(f.Stages))
		}
		if n >= s.Index {
			return nil, "", errAt(f, r, "%s: cannot copy from stage %d, it needs to be defined before current stage %q", what, n, p.stages[s].Name)
		}
		return earlier[n], "", nil
	}
	for _, o := range f.Stages {
		if o.Name == "" || !strings.EqualFold(o.Name, ref.name) {
			continue
		}
		if o.Index >= s.Index {
			return nil, "", errAt(f, r, "%s: cannot copy from stage %q, it needs to be defined before current stage %q", what, o.Name, p.stages[s].Name)
		}
		return earlier[o.Index], "", nil
	}
	if ref.mount && strings.EqualFold(ref.name, "scratch") {
		return nil, "", nil
	}
	return nil, ref.name, nil
}

// ParsePlatform parses os/arch[/variant] and normalises it as BuildKit
// does (aarch64 -> arm64, arm -> arm/v7, ...).
func ParsePlatform(s string) (v1.Platform, error) {
	if s == "" {
		return v1.Platform{}, fmt.Errorf("empty platform: want os/arch[/variant], e.g. linux/arm64")
	}
	return parsePlatform(s, v1.Platform{})
}

// FormatPlatform formats a platform as os/arch[/variant].
func FormatPlatform(p v1.Platform) string { return formatPlatform(p) }

// parsePlatform parses os/arch[/variant]; "" gives def.
func parsePlatform(s string, def v1.Platform) (v1.Platform, error) {
	if s == "" {
		return def, nil
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return v1.Platform{}, fmt.Errorf("invalid platform %q: want os/arch[/variant], e.g. linux/arm64", s)
	}
	pl := v1.Platform{OS: strings.ToLower(parts[0]), Architecture: strings.ToLower(parts[1])}
	if len(parts) == 3 {
		pl.Variant = parts[2]
	}
	return normalizePlatform(pl), nil
}

// normalizePlatform is containerd's platforms.Normalize for the common
// architectures (what BuildKit formats TARGETPLATFORM with): arm64/v8 and
// amd64/v1 lose their variant, aliases become the Go names, arm defaults
// to v7.
func normalizePlatform(p v1.Platform) v1.Platform {
	v := strings.ToLower(p.Variant)
	switch p.Architecture {
	case "i386":
		p.Architecture, v = "386", ""
	case "x86_64", "x86-64", "amd64":
		p.Architecture = "amd64"
		if v == "v1" {
			v = ""
		}
	case "aarch64", "arm64":
		p.Architecture = "arm64"
		if v == "8" || v == "v8" || v == "v8.0" {
			v = ""
		}
	case "armhf":
		p.Architecture, v = "arm", "v7"
	case "armel":
		p.Architecture, v = "arm", "v6"
	case "arm":
		switch v {
		case "", "7":
			v = "v7"
		case "5", "6", "8":
			v = "v" + v
		}
	}
	p.Variant = v
	return p
}

func formatPlatform(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// platformArgs are the values of the automatic platform ARGs.
func platformArgs(build, target v1.Platform) map[string]string {
	return map[string]string{
		"BUILDPLATFORM":   formatPlatform(build),
		"BUILDOS":         build.OS,
		"BUILDOSVERSION":  build.OSVersion,
		"BUILDARCH":       build.Architecture,
		"BUILDVARIANT":    build.Variant,
		"TARGETPLATFORM":  formatPlatform(target),
		"TARGETOS":        target.OS,
		"TARGETOSVERSION": target.OSVersion,
		"TARGETARCH":      target.Architecture,
		"TARGETVARIANT":   target.Variant,
	}
}
