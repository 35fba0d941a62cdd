package lint

import (
	"fmt"
	"os"
	"path/filepath"
)

// OnlyRules returns cfg with every rule of reg ignored except rules; those
// that are off by default are switched on (as info) unless cfg overrides them.
func OnlyRules(cfg Config, reg *Registry, rules ...*Rule) Config {
	keep := map[*Rule]bool{}
	for _, r := range rules {
		keep[r] = true
	}
	for _, r := range reg.All() {
		if !keep[r] {
			cfg.Ignored = append(cfg.Ignored, r.ID)
		}
	}
	if cfg.Overrides == nil {
		cfg.Overrides = map[string]Severity{}
	}
	for _, r := range rules {
		if _, set := cfg.Overrides[r.ID]; !set && r.Severity == Ignore {
			cfg.Overrides[r.ID] = Info
		}
	}
	return cfg
}

// LintExample lints one of r's examples (r.Bad or r.Good) with only r on,
// r.ExampleConfig applied and r.ExampleFiles written beside it; findings
// name the file "Dockerfile".
func LintExample(reg *Registry, r *Rule, src string) (*FileResult, error) {
	cfg := DefaultConfig()
	cfg.ShellCheck = "auto"
	if r.ExampleConfig != "" {
		s, _, err := ParseHadolintConfig("example", []byte(r.ExampleConfig))
		if err != nil {
			return nil, fmt.Errorf("%s: example config: %w", r.ID, err)
		}
		s.Apply(&cfg)
	}
	l := New(reg, OnlyRules(cfg, reg, r))
	if len(r.ExampleFiles) == 0 {
		return l.Lint("Dockerfile", []byte(src)), nil
	}
	dir, err := os.MkdirTemp("", "hoist-example-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for name, content := range r.ExampleFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return nil, err
		}
	}
	path := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		return nil, err
	}
	res := l.Lint(path, []byte(src))
	res.Path = "Dockerfile"
	for i := range res.Findings {
		res.Findings[i].File = "Dockerfile"
	}
	return res, nil
}
