package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/buildkit/util/system"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// historyComment is what BuildKit writes in every history entry
// (dockerfile2llb's historyComment).
const historyComment = "buildkit.dockerfile.v0"

// stageState is what dispatching a stage tracks besides its image
// configuration (dockerfile2llb's dispatchState).
type stageState struct {
	cfg *v1.ConfigFile
	// cmdSet: the stage itself set CMD, so a later ENTRYPOINT keeps it
	// (dispatchEntrypoint's d.cmd.IsSet).
	cmdSet bool
	// buildArgs are the ARGs declared so far, with those of the base
	// stage (dispatchState.init), for RUN's history.
	buildArgs []argValue
	// env is the LLB state's environment, what RUN executes with: the
	// image's ENV plus every ARG with a value (dispatchArg's AddEnv).
	env []string
	// cfgEnvShared and envShared: a step's Config.Env or Env views the
	// array of cfg.Config.Env or env, so replacing an entry must copy it
	// first (appending leaves the steps' shorter views as they are).
	cfgEnvShared, envShared bool
}

type argValue struct {
	key, value string
	hasValue   bool
}

// dispatch computes a stage's steps and configuration, as
// dispatchContext.dispatchStages and dispatch do.
func (p *planner) dispatch(s *Stage, scopes *dockerfile.Scopes) error {
	f := p.f
	st := &stageState{}
	switch {
	case s.Base.Stage != nil:
		// dispatchState.init: the base stage's image, its platform and its
		// ARGs; its ONBUILD triggers run here, not carried over.
		b := s.Base.Stage
		st.cfg = cloneConfig(b.Config)
		st.cfg.Config.OnBuild = nil
		s.Platform = b.Platform
		for _, step := range b.Steps {
			if c, ok := step.Command.(*instructions.OnbuildCommand); ok {
				s.Triggers = append(s.Triggers, c.Expression)
			}
		}
		st.buildArgs = slices.Clone(p.finalArgs[b])
	case s.Base.Scratch:
		st.cfg = emptyImage(s.Platform)
	default:
		// resolveBaseImage: the image's config without its creation time.
		st.cfg = cloneConfig(p.configs[s.Source])
		st.cfg.Created = v1.Time{}
		s.Triggers = append(s.Triggers, st.cfg.Config.OnBuild...)
		st.cfg.Config.OnBuild = nil
		if st.cfg.OS == "" {
			st.cfg.OS, st.cfg.Architecture, st.cfg.Variant = s.Platform.OS, s.Platform.Architecture, s.Platform.Variant
		}
	}
	// dispatchStages: a PATH when the image has none.
	if _, ok := shell.EnvsFromSlice(st.cfg.Config.Env).Get("PATH"); !ok && s.Platform.OS != "windows" {
		st.cfg.Config.Env = append(st.cfg.Config.Env, "PATH="+system.DefaultPathEnv(s.Platform.OS))
	}
	// The state starts from the base stage's (its ARGs included), then the
	// image configuration's ENV is set again over it.
	if s.Base.Stage != nil {
		st.env = slices.Clone(p.finalEnv[s.Base.Stage])
	}
	for _, e := range st.cfg.Config.Env {
		k, v, _ := strings.Cut(e, "=")
		st.env = addEnv(st.env, k, v, &st.envShared)
	}
	if wd := st.cfg.Config.WorkingDir; wd != "" {
		n, err := system.NormalizeWorkdir("", wd, s.Platform.OS)
		if err != nil {
			return errAt(f, s.Source.From.LineRange(), "base image working directory %q: %v", wd, err)
		}
		st.cfg.Config.WorkingDir = n
	}
	// BuildKit's initOnBuildTriggers: the triggers run first, as the
	// stage's own instructions.
	trig, err := p.triggerSteps(s, scopes)
	if err != nil {
		return err
	}
	s.Steps = append(trig, s.Steps...)
	for _, step := range s.Steps {
		if err := p.dispatchStep(s, st, step, scopes); err != nil {
			if step.Trigger {
				return errAt(f, s.Source.From.LineRange(), "ONBUILD trigger %q of the base: %v", step.Instruction.Node.Original, err)
			}
			var pe *Error
			if asPlanError(err, &pe) {
				return err
			}
			return errAt(f, step.Instruction.LineRange(), "%s: %v", strings.ToUpper(step.Instruction.Name), err)
		}
		// Only the steps that execute or touch files read the
		// configuration, and only these fields of it. Copying the whole
		// configuration for every step made a Dockerfile of many ENV,
		// LABEL or RUN instructions cost memory quadratic in their number:
		// the steps' environments are views of the stage's arrays instead
		// (capacity cut to their length), copied on write by addEnv.
		switch step.Command.(type) {
		case *instructions.RunCommand, *instructions.CopyCommand, *instructions.AddCommand, *instructions.WorkdirCommand:
			c := &st.cfg.Config
			step.Config = &v1.Config{Env: c.Env[:len(c.Env):len(c.Env)], User: c.User, WorkingDir: c.WorkingDir, Shell: slices.Clone(c.Shell)}
			step.Env = st.env[:len(st.env):len(st.env)]
			st.cfgEnvShared, st.envShared = true, true
		}
	}
	// History pointers taken while the history grew may point into an
	// older array: point them at the final one.
	own := 0
	for _, step := range s.Steps {
		if step.History != nil {
			own++
		}
	}
	next := len(st.cfg.History) - own
	for _, step := range s.Steps {
		if step.History != nil {
			step.History = &st.cfg.History[next]
			next++
		}
	}
	s.Config = st.cfg
	if p.finalArgs == nil {
		p.finalArgs = map[*Stage][]argValue{}
	}
	p.finalArgs[s] = st.buildArgs
	if p.finalEnv == nil {
		p.finalEnv = map[*Stage][]string{}
	}
	p.finalEnv[s] = st.env
	return nil
}

func asPlanError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}

// emptyImage is dockerfile2llb's emptyImage: the configuration FROM
// scratch starts with.
func emptyImage(p v1.Platform) *v1.ConfigFile {
	cfg := &v1.ConfigFile{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant, OSVersion: p.OSVersion}
	cfg.RootFS.Type = "layers"
	cfg.Config.WorkingDir = "/"
	if p.OS != "windows" {
		cfg.Config.Env = []string{"PATH=" + system.DefaultPathEnv(p.OS)}
	}
	return cfg
}

func cloneConfig(c *v1.ConfigFile) *v1.ConfigFile {
	if c == nil {
		return &v1.ConfigFile{}
	}
	out := c.DeepCopy()
	return out
}

// expandCommand returns a private copy of the step's typed instruction
// with its words expanded in scope (dispatch: SupportsSingleWordExpansion,
// and SupportsSingleWordExpansionRaw for heredocs; never for ARG).
func (p *planner) expandCommand(in *dockerfile.Instruction, scope *dockerfile.Scope) (instructions.Command, error) {
	typed, err := instructions.ParseInstructionWithLinter(in.Node, quiet)
	if err != nil {
		return nil, err
	}
	cmd, ok := typed.(instructions.Command)
	if !ok {
		return nil, fmt.Errorf("unexpected instruction %T", typed)
	}
	if _, isArg := cmd.(*instructions.ArgCommand); isArg {
		return cmd, nil
	}
	if ex, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
		if err := ex.Expand(func(word string) (string, error) {
			e := scope.Expand(word)
			return e.Result, e.Err
		}); err != nil {
			return nil, err
		}
	}
	if ex, ok := cmd.(instructions.SupportsSingleWordExpansionRaw); ok {
		if err := ex.ExpandRaw(func(word string) (string, error) {
			e := scope.ExpandRaw(word)
			return e.Result, e.Err
		}); err != nil {
			return nil, err
		}
	}
	return cmd, nil
}

// commit is commitToHistory: RUN, COPY and ADD (the steps with a state)
// get " # buildkit"; BuildKit writes Created only with an epoch.
func commit(st *stageState, step *Step, msg string, withLayer, withState bool) {
	if withState {
		msg += " # buildkit"
	}
	h := v1.History{CreatedBy: msg, Comment: historyComment, EmptyLayer: !withLayer}
	st.cfg.History = append(st.cfg.History, h)
	step.History = &st.cfg.History[len(st.cfg.History)-1]
}

// triggerSteps parses the stage's ONBUILD triggers into steps positioned
// at its FROM, expanded in the scope the stage starts with.
func (p *planner) triggerSteps(s *Stage, scopes *dockerfile.Scopes) ([]*Step, error) {
	var out []*Step
	for _, t := range s.Triggers {
		tf := dockerfile.Parse(p.f.Name, []byte("FROM scratch\n"+t+"\n"))
		if tf.Err != nil || len(tf.Instructions) != 2 || tf.Instructions[1].Err != nil {
			return nil, errAt(p.f, s.Source.From.LineRange(), "ONBUILD trigger %q of the base is not a valid instruction", t)
		}
		in := tf.Instructions[1]
		in.Range = s.Source.From.Range
		step := &Step{Instruction: in, Trigger: true}
		if refs, _ := fromRefs(in); len(refs) > 0 {
			return nil, errAt(p.f, s.Source.From.LineRange(), "ONBUILD trigger %q of the base reads another stage or image (--from): not supported yet", t)
		}
		out = append(out, step)
	}
	if len(out) > 0 {
		scope := scopes.End(s.Source)
		if len(s.Source.Instructions) > 0 {
			scope = scopes.Before(s.Source.Instructions[0])
		}
		p.triggerScope = scope
	}
	return out, nil
}

func (p *planner) dispatchStep(s *Stage, st *stageState, step *Step, scopes *dockerfile.Scopes) error {
	in := step.Instruction
	scope := scopes.Before(in)
	if step.Trigger {
		scope = p.triggerScope
	}
	cmd, err := p.expandCommand(in, scope)
	if err != nil {
		return err
	}
	step.Command = cmd
	c := &st.cfg.Config
	switch cmd := cmd.(type) {
	case *instructions.EnvCommand: // dispatchEnv
		msg := "ENV"
		for _, e := range cmd.Env {
			msg += " " + e.String()
			c.Env = addEnv(c.Env, e.Key, e.Value, &st.cfgEnvShared)
			st.env = addEnv(st.env, e.Key, e.Value, &st.envShared)
		}
		commit(st, step, msg, false, false)
	case *instructions.LabelCommand: // dispatchLabel
		msg := "LABEL"
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		for _, l := range cmd.Labels {
			c.Labels[l.Key] = l.Value
			msg += " " + l.String()
		}
		commit(st, step, msg, false, false)
	case *instructions.MaintainerCommand: // dispatchMaintainer
		st.cfg.Author = cmd.Maintainer
		commit(st, step, fmt.Sprintf("MAINTAINER %v", cmd.Maintainer), false, false)
	case *instructions.ExposeCommand: // dispatchExpose, portSpecs.parsePorts
		var ports []string
		for _, w := range cmd.Ports {
			ps, err := shell.NewLex(p.f.EscapeToken).ProcessWords(w, scope)
			if err != nil {
				return err
			}
			for _, raw := range ps {
				pp, err := parsePort(raw)
				if err != nil {
					return err
				}
				ports = append(ports, pp...)
			}
		}
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		for _, pt := range ports {
			c.ExposedPorts[pt] = struct{}{}
		}
		commit(st, step, fmt.Sprintf("EXPOSE %v", ports), false, false)
	case *instructions.UserCommand: // dispatchUser
		c.User = cmd.User
		commit(st, step, fmt.Sprintf("USER %v", cmd.User), false, false)
	case *instructions.WorkdirCommand: // dispatchWorkdir
		wd, err := system.NormalizeWorkdir(c.WorkingDir, cmd.Path, s.Platform.OS)
		if err != nil {
			return fmt.Errorf("normalizing workdir: %w", err)
		}
		c.WorkingDir = wd
		commit(st, step, "WORKDIR "+wd, wd != "/", false)
	case *instructions.CmdCommand: // dispatchCmd
		args := cmd.CmdLine
		if cmd.PrependShell {
			args = withShell(st.cfg, args)
		}
		c.Cmd = args
		c.ArgsEscaped = true
		st.cmdSet = true
		commit(st, step, fmt.Sprintf("CMD %q", args), false, false)
	case *instructions.EntrypointCommand: // dispatchEntrypoint
		args := cmd.CmdLine
		if cmd.PrependShell {
			args = withShell(st.cfg, args)
		}
		c.Entrypoint = args
		if !st.cmdSet {
			c.Cmd = nil
		}
		commit(st, step, fmt.Sprintf("ENTRYPOINT %q", args), false, false)
	case *instructions.HealthCheckCommand: // dispatchHealthcheck
		h := cmd.Health
		c.Healthcheck = &v1.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
		// BuildKit prints its own type: keep its field list (StartInterval
		// included, which v1.HealthConfig cannot hold).
		commit(st, step, fmt.Sprintf("HEALTHCHECK %+v", dockerspec.HealthcheckConfig{
			Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries,
		}), false, false)
	case *instructions.VolumeCommand: // dispatchVolume
		if c.Volumes == nil {
			c.Volumes = map[string]struct{}{}
		}
		for _, v := range cmd.Volumes {
			if v == "" {
				return fmt.Errorf("VOLUME specified can not be an empty string")
			}
			c.Volumes[v] = struct{}{}
		}
		commit(st, step, fmt.Sprintf("VOLUME %v", cmd.Volumes), false, false)
	case *instructions.StopSignalCommand: // dispatchStopSignal
		if err := checkSignal(cmd.Signal); err != nil {
			return err
		}
		c.StopSignal = cmd.Signal
		commit(st, step, fmt.Sprintf("STOPSIGNAL %v", cmd.Signal), false, false)
	case *instructions.ShellCommand: // dispatchShell
		c.Shell = cmd.Shell
		commit(st, step, fmt.Sprintf("SHELL %v", cmd.Shell), false, false)
	case *instructions.OnbuildCommand: // dispatchOnbuild: no history
		c.OnBuild = append(c.OnBuild, cmd.Expression)
	case *instructions.ArgCommand: // dispatchArg
		var parts []string
		for _, d := range scopes.Definitions(in) {
			av := argValue{key: d.Var.Name, value: d.Var.Value, hasValue: d.HasValue || dockerfile.NonEnvArgs[d.Var.Name] && d.Var.Value != ""}
			st.buildArgs = append(st.buildArgs, av)
			if av.hasValue && !dockerfile.NonEnvArgs[av.key] {
				st.env = addEnv(st.env, av.key, av.value, &st.envShared)
			}
			part := av.key
			if av.hasValue && !isProxyArg(av.key) {
				part += "=" + av.value
			}
			parts = append(parts, part)
		}
		commit(st, step, "ARG "+strings.Join(parts, " "), false, false)
	case *instructions.RunCommand: // dispatchRun, runCommandString
		args := cmd.CmdLine
		if cmd.PrependShell {
			args = withShell(st.cfg, args)
		}
		commit(st, step, "RUN "+runCommandString(args, st.buildArgs, scope), true, true)
	case *instructions.CopyCommand: // dispatchCopy's commit message
		commit(st, step, copyMessage("COPY", cmd.SourcesAndDest, cmd.Parents, cmd.Chown, cmd.Chmod), true, true)
	case *instructions.AddCommand:
		commit(st, step, copyMessage("ADD", cmd.SourcesAndDest, false, cmd.Chown, cmd.Chmod), true, true)
	}
	return nil
}

// addEnv is dockerfile2llb's addEnv: replace the key in place, or append.
func addEnv(env []string, k, v string, shared *bool) []string {
	for i, e := range env {
		key, _, _ := strings.Cut(e, "=")
		if shell.EqualEnvKeys(key, k) {
			if *shared {
				env, *shared = slices.Clone(env), false
			}
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

// withShell is dockerfile2llb's withShell.
func withShell(cfg *v1.ConfigFile, args []string) []string {
	sh := slices.Clone(cfg.Config.Shell)
	if len(sh) == 0 {
		sh = []string{"/bin/sh", "-c"}
		if cfg.OS == "windows" {
			sh = []string{"cmd", "/S", "/C"}
		}
	}
	return append(sh, strings.Join(args, " "))
}

// isProxyArg tells the proxy ARGs, whose values hoist keeps out of
// history (BuildKit writes them; the classic builder and hoist's cache
// keys do not: they hold credentials and vary between machines).
func isProxyArg(k string) bool {
	switch strings.ToLower(k) {
	case "http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy":
		return true
	}
	return false
}

// runCommandString is dockerfile2llb's runCommandString: "|N K=V ..."
// before the command for the N ARGs in scope, the value from the
// environment when there is one.
func runCommandString(args []string, buildArgs []argValue, env shell.EnvGetter) string {
	var tmp []string
	idx := map[string]int{}
	for _, a := range buildArgs {
		if isProxyArg(a.key) {
			continue
		}
		v, ok := env.Get(a.key)
		if !ok {
			v = ""
			if a.hasValue {
				v = a.value
			}
		}
		if i, ok := idx[a.key]; ok {
			tmp[i] = a.key + "=" + v
		} else {
			idx[a.key] = len(tmp)
			tmp = append(tmp, a.key+"="+v)
		}
	}
	if len(tmp) > 0 {
		tmp = append([]string{fmt.Sprintf("|%d", len(tmp))}, tmp...)
	}
	return strings.Join(append(tmp, args...), " ")
}

// copyMessage is dispatchCopy's commit message.
func copyMessage(kw string, sd instructions.SourcesAndDest, parents bool, chown, chmod string) string {
	var b strings.Builder
	b.WriteString(kw)
	if parents {
		b.WriteString(" --parents")
	}
	if chown != "" {
		b.WriteString(" --chown=" + chown)
	}
	if chmod != "" {
		b.WriteString(" --chmod=" + chmod)
	}
	for _, src := range sd.SourcePaths {
		b.WriteString(" " + src)
	}
	for _, src := range sd.SourceContents {
		b.WriteString(" <<" + src.Path)
	}
	b.WriteString(" " + sd.DestPath)
	return b.String()
}

// parsePort is portSpecs.parsePort: [ip:][hostPort:]port[-end][/proto] to
// "port/proto" entries, one per port of a range, proto lower-cased.
func parsePort(raw string) ([]string, error) {
	container := raw
	if i := strings.LastIndex(raw, ":"); i >= 0 {
		container = raw[i+1:]
	}
	port, proto, _ := strings.Cut(container, "/")
	if port == "" {
		return nil, fmt.Errorf("invalid port: %q: no port specified", raw)
	}
	if proto == "" {
		proto = "tcp"
	}
	start, end, err := portRange(port)
	if err != nil {
		return nil, fmt.Errorf("invalid containerPort: %s", port)
	}
	out := make([]string, 0, end-start+1)
	for n := start; n <= end; n++ {
		out = append(out, strconv.Itoa(n)+"/"+strings.ToLower(proto))
	}
	return out, nil
}

func portRange(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "-")
	start, err := portNumber(a)
	if err != nil {
		return 0, 0, err
	}
	if !ok || a == b {
		return start, start, nil
	}
	end, err := portNumber(b)
	if err != nil {
		return 0, 0, err
	}
	if end < start {
		return 0, 0, fmt.Errorf("invalid port range: %s", s)
	}
	return start, end, nil
}

func portNumber(s string) (int, error) {
	n, err := strconv.ParseInt(s, 10, 0)
	if err != nil || n < 0 || n > 65535 {
		return 0, fmt.Errorf("invalid port %q", s)
	}
	return int(n), nil
}

// checkSignal accepts what signal.ParseSignal does: a number or a name
// with or without SIG.
func checkSignal(s string) error {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 {
			return fmt.Errorf("invalid signal: %s", s)
		}
		return nil
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if _, ok := signals[name]; !ok && !strings.HasPrefix(name, "RTMIN") && !strings.HasPrefix(name, "RTMAX") {
		return fmt.Errorf("invalid signal: %s", s)
	}
	return nil
}

var signals = map[string]struct{}{}

func init() {
	for _, n := range strings.Fields("ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT STOP SYS TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ") {
		signals[n] = struct{}{}
	}
}
