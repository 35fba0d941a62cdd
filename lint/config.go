package lint

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is the effective lint configuration.
type Config struct {
	// Ignored rules (IDs, names or aliases). Unknown names are kept: a
	// .hadolint.yaml may ignore ShellCheck codes or newer hadolint rules.
	Ignored []string
	// Overrides set a rule's severity (key: ID, name or alias).
	Overrides map[string]Severity
	// FailureThreshold: findings at or above it fail the run (default info).
	FailureThreshold Severity
	// NoFail makes the run succeed whatever is found.
	NoFail bool
	// TrustedRegistries restricts FROM images (DL3026); empty allows all.
	TrustedRegistries []string
	// LabelSchema maps required label names to a type: text, url, spdx,
	// hash, rfc3339, semver, email.
	LabelSchema map[string]string
	// StrictLabels reports labels that are not in the schema (DL3050).
	StrictLabels bool
	// DisableIgnorePragma makes inline ignore pragmas ineffective.
	DisableIgnorePragma bool
	// Format is the default report format ("" = tty).
	Format string
	// ShellCheck runs the shellcheck binary on RUN scripts: "on", "off", or
	// "auto" (when a shellcheck binary is on PATH). The library default is
	// off; the CLI's is auto.
	ShellCheck string
}

// DefaultConfig is hadolint's default configuration.
func DefaultConfig() Config {
	return Config{FailureThreshold: Info, Overrides: map[string]Severity{}, LabelSchema: map[string]string{}, ShellCheck: "off"}
}

// Settings is one configuration source (file, environment or flags). Nil
// or empty fields are unset; Apply layers it over a Config.
type Settings struct {
	Source              string
	Ignored             []string
	Overrides           map[string]Severity
	FailureThreshold    *Severity
	NoFail              *bool
	TrustedRegistries   []string
	LabelSchema         map[string]string
	StrictLabels        *bool
	DisableIgnorePragma *bool
	Format              *string
	ShellCheck          *string
}

// Apply layers s over c: scalars replace, lists and maps add to what is there
// (as hadolint merges its sources).
func (s Settings) Apply(c *Config) {
	c.Ignored = appendUnique(c.Ignored, s.Ignored...)
	c.TrustedRegistries = appendUnique(c.TrustedRegistries, s.TrustedRegistries...)
	if c.Overrides == nil {
		c.Overrides = map[string]Severity{}
	}
	for k, v := range s.Overrides {
		c.Overrides[k] = v
	}
	if c.LabelSchema == nil {
		c.LabelSchema = map[string]string{}
	}
	for k, v := range s.LabelSchema {
		c.LabelSchema[k] = v
	}
	if s.FailureThreshold != nil {
		c.FailureThreshold = *s.FailureThreshold
	}
	if s.NoFail != nil {
		c.NoFail = *s.NoFail
	}
	if s.StrictLabels != nil {
		c.StrictLabels = *s.StrictLabels
	}
	if s.DisableIgnorePragma != nil {
		c.DisableIgnorePragma = *s.DisableIgnorePragma
	}
	if s.Format != nil {
		c.Format = *s.Format
	}
	if s.ShellCheck != nil {
		c.ShellCheck = *s.ShellCheck
	}
}

func appendUnique(list []string, add ...string) []string {
	seen := map[string]bool{}
	for _, x := range list {
		seen[x] = true
	}
	for _, x := range add {
		x = strings.TrimSpace(x)
		if x != "" && !seen[x] {
			seen[x] = true
			list = append(list, x)
		}
	}
	return list
}

// LabelTypes are the label schema types hadolint knows.
var LabelTypes = []string{"text", "url", "spdx", "hash", "rfc3339", "semver", "email"}

func validLabelType(t string) bool {
	for _, x := range LabelTypes {
		if x == t {
			return true
		}
	}
	return false
}

// ConfigError is an invalid configuration value with its position.
type ConfigError struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// ConfigSearchPaths are where hadolint looks for its configuration, in order.
func ConfigSearchPaths() []string {
	var paths []string
	for _, n := range []string{".hadolint.yaml", ".hadolint.yml"} {
		paths = append(paths, n)
	}
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		paths = append(paths, filepath.Join(x, "hadolint.yaml"), filepath.Join(x, "hadolint.yml"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		paths = append(paths,
			filepath.Join(home, ".config", "hadolint.yaml"), filepath.Join(home, ".config", "hadolint.yml"),
			filepath.Join(home, ".hadolint.yaml"), filepath.Join(home, ".hadolint.yml"))
	}
	return paths
}

// FindConfigFile returns the first existing file of ConfigSearchPaths, or "".
func FindConfigFile() string {
	for _, p := range ConfigSearchPaths() {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// LoadConfigFile reads a .hadolint.yaml. Warnings are returned for keys
// hoist does not use; errors carry file:line:col.
func LoadConfigFile(path string) (Settings, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, nil, fmt.Errorf("read lint config: %w", err)
	}
	return ParseHadolintConfig(path, data)
}

// ParseHadolintConfig parses hadolint's YAML configuration format.
func ParseHadolintConfig(path string, data []byte) (Settings, []string, error) {
	s := Settings{Source: path}
	var warnings []string
	if len(bytes.TrimSpace(data)) == 0 {
		return s, nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return s, nil, yamlError(path, err)
	}
	if len(doc.Content) == 0 {
		return s, nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return s, nil, cfgErr(path, root, "the configuration must be a mapping of keys (ignored, override, failure-threshold, ...)")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "ignored":
			list, err := stringList(path, v)
			if err != nil {
				return s, nil, err
			}
			s.Ignored = list
		case "trustedRegistries", "trusted-registries":
			list, err := stringList(path, v)
			if err != nil {
				return s, nil, err
			}
			s.TrustedRegistries = list
		case "failure-threshold":
			sev, err := ParseSeverity(v.Value)
			if err != nil || sev == Ignore {
				return s, nil, cfgErr(path, v, fmt.Sprintf("failure-threshold %q: use error, warning, info, style or none", v.Value))
			}
			s.FailureThreshold = &sev
		case "override":
			if v.Kind != yaml.MappingNode {
				return s, nil, cfgErr(path, v, "override must map a severity (error, warning, info, style) to a list of rules")
			}
			s.Overrides = map[string]Severity{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				sk, sv := v.Content[j], v.Content[j+1]
				sev, err := ParseSeverity(sk.Value)
				if err != nil || sev == None {
					return s, nil, cfgErr(path, sk, fmt.Sprintf("override: unknown severity %q: use error, warning, info, style or ignore", sk.Value))
				}
				list, err := stringList(path, sv)
				if err != nil {
					return s, nil, err
				}
				for _, r := range list {
					s.Overrides[r] = sev
				}
			}
		case "label-schema":
			if v.Kind != yaml.MappingNode {
				return s, nil, cfgErr(path, v, "label-schema must map label names to types ("+strings.Join(LabelTypes, ", ")+")")
			}
			s.LabelSchema = map[string]string{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				lk, lv := v.Content[j], v.Content[j+1]
				if !validLabelType(lv.Value) {
					return s, nil, cfgErr(path, lv, fmt.Sprintf("label-schema: %q is not a label type: use one of %s", lv.Value, strings.Join(LabelTypes, ", ")))
				}
				s.LabelSchema[lk.Value] = lv.Value
			}
		case "strict-labels":
			b, err := boolValue(path, v)
			if err != nil {
				return s, nil, err
			}
			s.StrictLabels = &b
		case "no-fail":
			b, err := boolValue(path, v)
			if err != nil {
				return s, nil, err
			}
			s.NoFail = &b
		case "disable-ignore-pragma":
			b, err := boolValue(path, v)
			if err != nil {
				return s, nil, err
			}
			s.DisableIgnorePragma = &b
		case "format":
			f := v.Value
			s.Format = &f
		case "no-color", "verbose":
			// Accepted for compatibility; colour is --color / NO_COLOR in hoist.
		default:
			warnings = append(warnings, fmt.Sprintf("%s:%d:%d: unknown key %q is ignored", path, k.Line, k.Column, k.Value))
		}
	}
	return s, warnings, nil
}

func cfgErr(path string, n *yaml.Node, msg string) error {
	return &ConfigError{File: path, Line: n.Line, Column: n.Column, Msg: msg}
}

func yamlError(path string, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if strings.HasPrefix(msg, "line ") {
		rest := msg[len("line "):]
		if i := strings.Index(rest, ":"); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line = n
				msg = strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return &ConfigError{File: path, Line: line, Column: 1, Msg: "invalid YAML: " + msg}
}

func stringList(path string, n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, cfgErr(path, c, "expected a string")
			}
			out = append(out, c.Value)
		}
		return out, nil
	case yaml.ScalarNode:
		if n.Value == "" || n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	}
	return nil, cfgErr(path, n, "expected a list of strings")
}

func boolValue(path string, n *yaml.Node) (bool, error) {
	var b bool
	if err := n.Decode(&b); err != nil {
		return false, cfgErr(path, n, fmt.Sprintf("expected true or false, got %q", n.Value))
	}
	return b, nil
}

// EnvSettings reads HOIST_* variables (and, with lower precedence, hadolint's
// HADOLINT_* ones, so existing CI setups keep working).
func EnvSettings(getenv func(string) string) (Settings, error) {
	s := Settings{Source: "environment"}
	for _, prefix := range []string{"HADOLINT_", "HOIST_"} {
		var layer Settings
		get := func(k string) string { return strings.TrimSpace(getenv(prefix + k)) }
		if v := get("IGNORE"); v != "" {
			layer.Ignored = splitList(v)
		}
		if v := get("TRUSTED_REGISTRIES"); v != "" {
			layer.TrustedRegistries = splitList(v)
		}
		if v := get("FAILURE_THRESHOLD"); v != "" {
			sev, err := ParseSeverity(v)
			if err != nil || sev == Ignore {
				return s, fmt.Errorf("%sFAILURE_THRESHOLD=%q: use error, warning, info, style or none", prefix, v)
			}
			layer.FailureThreshold = &sev
		}
		for _, sevName := range []string{"ERROR", "WARNING", "INFO", "STYLE", "IGNORE"} {
			if v := get("OVERRIDE_" + sevName); v != "" {
				sev, _ := ParseSeverity(sevName)
				if layer.Overrides == nil {
					layer.Overrides = map[string]Severity{}
				}
				for _, r := range splitList(v) {
					layer.Overrides[r] = sev
				}
			}
		}
		for name, dst := range map[string]**bool{"NO_FAIL": &layer.NoFail, "NOFAIL": &layer.NoFail, "STRICT_LABELS": &layer.StrictLabels, "DISABLE_IGNORE_PRAGMA": &layer.DisableIgnorePragma} {
			if v := get(name); v != "" {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return s, fmt.Errorf("%s%s=%q: use true or false", prefix, name, v)
				}
				*dst = &b
			}
		}
		if v := get("REQUIRE_LABELS"); v != "" {
			layer.LabelSchema = map[string]string{}
			for _, item := range splitList(v) {
				name, typ, _ := strings.Cut(item, ":")
				if typ == "" {
					typ = "text"
				}
				if !validLabelType(typ) {
					return s, fmt.Errorf("%sREQUIRE_LABELS: %q is not a label type: use one of %s", prefix, typ, strings.Join(LabelTypes, ", "))
				}
				layer.LabelSchema[name] = typ
			}
		}
		if v := get("FORMAT"); v != "" {
			layer.Format = &v
		}
		if v := get("SHELLCHECK"); v != "" {
			if err := ValidShellCheckMode(v); err != nil {
				return s, fmt.Errorf("%sSHELLCHECK: %w", prefix, err)
			}
			layer.ShellCheck = &v
		}
		s = mergeSettings(s, layer)
	}
	return s, nil
}

func mergeSettings(base, over Settings) Settings {
	var c Config
	base.Apply(&c)
	over.Apply(&c)
	out := Settings{Source: base.Source, Ignored: c.Ignored, TrustedRegistries: c.TrustedRegistries}
	if len(c.Overrides) > 0 {
		out.Overrides = c.Overrides
	}
	if len(c.LabelSchema) > 0 {
		out.LabelSchema = c.LabelSchema
	}
	pick := func(a, b *bool) *bool {
		if b != nil {
			return b
		}
		return a
	}
	out.NoFail = pick(base.NoFail, over.NoFail)
	out.StrictLabels = pick(base.StrictLabels, over.StrictLabels)
	out.DisableIgnorePragma = pick(base.DisableIgnorePragma, over.DisableIgnorePragma)
	out.FailureThreshold = base.FailureThreshold
	if over.FailureThreshold != nil {
		out.FailureThreshold = over.FailureThreshold
	}
	out.Format = base.Format
	if over.Format != nil {
		out.Format = over.Format
	}
	out.ShellCheck = base.ShellCheck
	if over.ShellCheck != nil {
		out.ShellCheck = over.ShellCheck
	}
	return out
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// UnknownRuleNames returns the configured rule names the registry does not
// know, except ShellCheck codes (SCxxxx), which hadolint configs often list.
func (c Config) UnknownRuleNames(reg *Registry) []string {
	var unknown []string
	check := func(n string) {
		if len(reg.Lookup(n)) == 0 && !isShellCheckCode(n) {
			unknown = append(unknown, n)
		}
	}
	for _, n := range c.Ignored {
		check(n)
	}
	keys := make([]string, 0, len(c.Overrides))
	for k := range c.Overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		check(k)
	}
	return unknown
}

func isShellCheckCode(s string) bool {
	if len(s) < 3 || !strings.EqualFold(s[:2], "SC") {
		return false
	}
	_, err := strconv.Atoi(s[2:])
	return err == nil
}

// ValidShellCheckMode checks a --shellcheck value.
func ValidShellCheckMode(v string) error {
	switch v {
	case "auto", "on", "off":
		return nil
	}
	return fmt.Errorf("invalid shellcheck mode %q: use auto, on or off", v)
}
