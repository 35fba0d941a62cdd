package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/rules"
)

// FuzzHadolintConfig feeds a hostile .hadolint.yaml to the parser
// LoadConfigFile uses, then lints the rule's Dockerfile with what it
// accepted (trusted-registry globs, label schemas, overrides): a bad file is
// an error with a position, never a panic, and an accepted one must drive
// the linter without an internal error. Seeds are the rules' testdata
// configurations with their Dockerfiles.
func FuzzHadolintConfig(f *testing.F) {
	cfgs, _ := filepath.Glob("testdata/*/hadolint.yaml")
	for _, p := range cfgs {
		y, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		df, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "Dockerfile"))
		f.Add(y, df)
	}
	f.Add([]byte("ignored: [DL3008, SC2086]\noverride:\n  error: [DL3001]\n  style: DL3015\nfailure-threshold: style\nno-fail: true\nstrict-labels: yes\n"), []byte("FROM a\nLABEL x=1\n"))
	f.Add([]byte("a: &a [*a]\n"), []byte("FROM a\n"))
	f.Add([]byte("- not a mapping\n"), []byte(""))
	f.Add([]byte("label-schema:\n  x: rfc3339\n  y: hash\n  z: email\n  w: spdx\n"), []byte("FROM a\nLABEL x=2020 y=abc z=a@b w=MIT\n"))
	f.Add([]byte("trustedRegistries: \"[\"\n"), []byte("FROM [/x\n"))

	reg := rules.Registry()
	f.Fuzz(func(t *testing.T, yaml, dockerfile []byte) {
		s, warnings, err := lint.ParseHadolintConfig(".hadolint.yaml", yaml)
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, ".hadolint.yaml") {
				t.Fatalf("error without the file name: %q", msg)
			}
			return
		}
		for _, w := range warnings {
			if !strings.HasPrefix(w, ".hadolint.yaml:") {
				t.Fatalf("warning without a position: %q", w)
			}
		}
		cfg := lint.DefaultConfig()
		s.Apply(&cfg)
		_ = cfg.UnknownRuleNames(reg)
		res := lint.New(reg, cfg).Lint("Dockerfile", dockerfile)
		for _, fd := range res.Findings {
			if strings.Contains(fd.Message, "internal error") {
				t.Fatalf("%s: %s", fd.RuleID, fd.Message)
			}
		}
	})
}
