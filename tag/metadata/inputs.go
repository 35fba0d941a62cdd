// Package metadata computes the tags docker/metadata-action would compute
// from its inputs, for `hoist tag --from-metadata-action FILE`, with one
// deliberate difference: floating tags (latest, {{major}},
// {{major}}.{{minor}}) move only when this release is the highest in its
// line among the versions already published (DESIGN.md §4.4, issue 7).
//
// The behaviour follows docker/metadata-action's README and source (v5:
// src/meta.ts, src/tag.ts, src/flavor.ts, src/image.ts, src/context.ts,
// and docker/actions-toolkit src/util.ts for reading list inputs); the
// places are cited where they are relied on.
package metadata

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Inputs are metadata-action's inputs, read from a YAML file.
type Inputs struct {
	Images []Image
	Tags   []TagSpec // sorted by priority, highest first (stable)
	Flavor Flavor
}

// Image is one entry of the images input: "ghcr.io/x/y",
// "name=ghcr.io/x/y,enable=false", or a comma-separated list of bare names
// on a single line.
type Image struct {
	Name   string
	Enable bool
	Line   int // line in the file; 0 when unknown
}

// TagSpec is one entry of the tags input.
type TagSpec struct {
	Type string // schedule|semver|pep440|match|edge|ref|raw|sha
	// Attrs are all attributes as written (keys lower-cased, values
	// trimmed) with metadata-action's defaults filled in (pattern=nightly,
	// group=0, format=short, prefix=sha-/pr-, value= ...). Whether prefix
	// or suffix is present matters: "prefix=" overrides the flavor prefix.
	Attrs    map[string]string
	Enable   string // the enable expression, "true" by default
	Priority int
	Prefix   string
	Suffix   string
	Line     int    // line in the file; 0 when unknown
	Source   string // the entry as written
}

// Flavor is the flavor input.
type Flavor struct {
	Latest                         string // auto|true|false
	Prefix, Suffix                 string
	PrefixOnLatest, SuffixOnLatest bool
}

// The tag types (docker/metadata-action src/tag.ts Type) and their default
// priorities (DefaultPriorities; README "priority attribute").
var defaultPriority = map[string]int{
	"schedule": 1000,
	"semver":   900,
	"pep440":   900,
	"match":    800,
	"edge":     700,
	"ref":      600,
	"raw":      200,
	"sha":      100,
}

// inputKeys are the keys of a metadata-action step's `with:` block.
var inputKeys = []string{"context", "images", "tags", "flavor", "labels", "annotations", "sep-tags", "sep-labels", "sep-annotations", "bake-target", "github-token"}

// ParseInputs reads metadata-action's inputs from YAML: a file with the
// input keys at the top (images, tags, flavor; labels, annotations,
// sep-tags and the others are accepted and ignored), a step (a mapping
// with `uses: docker/metadata-action@...` and `with:`), or a whole
// workflow with exactly one metadata-action step. Each input is a string
// as in the workflow (a list, one entry a line; images also
// comma-separated on one line); a YAML sequence of strings is accepted as
// well, one entry an element. GitHub expressions (${{ ... }}) cannot be
// evaluated here: in tags and flavor they are an error naming the line; in
// images they are kept as written.
func ParseInputs(r io.Reader) (*Inputs, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading the metadata-action inputs: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("metadata-action inputs: %v; the file must be YAML: a `with:` block of docker/metadata-action (images, tags, flavor) or the step or workflow holding it", err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("metadata-action inputs: the file is empty; give at least `tags:` (or `images:`) as in the step's `with:` block")
	}
	root := doc.Content[0]
	m, err := findInputs(root)
	if err != nil {
		return nil, err
	}
	in := &Inputs{Flavor: Flavor{Latest: "auto"}}
	var tagEntries, imageEntries, flavorEntries []listEntry
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		var dst *[]listEntry
		switch k.Value {
		case "images":
			dst = &imageEntries
		case "tags":
			dst = &tagEntries
		case "flavor":
			dst = &flavorEntries
		default:
			if !slices.Contains(inputKeys, k.Value) {
				return nil, fmt.Errorf("line %d: %q is not an input of docker/metadata-action; the inputs are %s", k.Line, k.Value, strings.Join(inputKeys, ", "))
			}
			continue
		}
		entries, err := nodeEntries(k.Value, v)
		if err != nil {
			return nil, err
		}
		*dst = entries
	}
	for _, e := range append(append([]listEntry(nil), tagEntries...), flavorEntries...) {
		if strings.Contains(e.text, "${{") {
			return nil, fmt.Errorf("line %d: %q uses a GitHub Actions expression (${{ ... }}), which hoist cannot evaluate; write its value, or use metadata-action's own expressions ({{branch}}, {{tag}}, {{sha}}, {{is_default_branch}}, {{date 'YYYYMMDD'}})", e.line, e.text)
		}
	}
	if in.Images, err = parseImages(imageEntries); err != nil {
		return nil, err
	}
	if in.Flavor, err = parseFlavor(flavorEntries); err != nil {
		return nil, err
	}
	if in.Tags, err = parseTags(tagEntries); err != nil {
		return nil, err
	}
	return in, nil
}

// findInputs finds the mapping that holds the inputs.
func findInputs(root *yaml.Node) (*yaml.Node, error) {
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the metadata-action inputs must be a mapping (images:, tags:, flavor:), not a %s", root.Line, kindName(root))
	}
	if hasAnyKey(root, inputKeys) && mapValue(root, "uses") == nil {
		return root, nil
	}
	var steps []*yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			if u := mapValue(n, "uses"); u != nil && u.Kind == yaml.ScalarNode && strings.Contains(u.Value, "metadata-action") {
				steps = append(steps, n)
				return
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	switch len(steps) {
	case 0:
		return nil, errors.New("metadata-action inputs: found neither images:/tags:/flavor: nor a step with `uses: docker/metadata-action@...`; give the step's `with:` block")
	case 1:
		with := mapValue(steps[0], "with")
		if with == nil {
			// A step without `with:` uses the default tags.
			return &yaml.Node{Kind: yaml.MappingNode}, nil
		}
		if with.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("line %d: `with:` of the metadata-action step must be a mapping", with.Line)
		}
		return with, nil
	default:
		lines := make([]string, len(steps))
		for i, s := range steps {
			lines[i] = strconv.Itoa(s.Line)
		}
		return nil, fmt.Errorf("metadata-action inputs: the file has %d metadata-action steps (lines %s); put the `with:` block of the one to use in a file of its own", len(steps), strings.Join(lines, ", "))
	}
}

func hasAnyKey(m *yaml.Node, keys []string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if slices.Contains(keys, m.Content[i].Value) {
			return true
		}
	}
	return false
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "single value"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

// nodeEntries reads one list input, with file line numbers.
func nodeEntries(key string, v *yaml.Node) ([]listEntry, error) {
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	switch v.Kind {
	case yaml.ScalarNode:
		entries, err := inputList(v.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", key, offsetLineErr(err, scalarFirstLine(v)))
		}
		first := scalarFirstLine(v)
		for i := range entries {
			entries[i].line += first - 1
		}
		return entries, nil
	case yaml.SequenceNode:
		var out []listEntry
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: each element of %s must be a string like \"type=ref,event=branch\"", item.Line, key)
			}
			entries, err := inputList(item.Value)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", key, offsetLineErr(err, item.Line))
			}
			for i := range entries {
				entries[i].line = item.Line
			}
			out = append(out, entries...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: %s must be a string (one entry a line, as in the workflow) or a list of strings, not a %s", v.Line, key, kindName(v))
}

// scalarFirstLine is the file line of the scalar's first line of content:
// a block scalar (| or >) starts on the line after its indicator.
func scalarFirstLine(v *yaml.Node) int {
	if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return v.Line + 1
	}
	return v.Line
}

// offsetLineErr turns "line N: ..." of parseCSV into a file line.
func offsetLineErr(err error, first int) error {
	msg := err.Error()
	var n int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &n); scanErr == nil {
		rest := msg[strings.Index(msg, ":")+1:]
		return fmt.Errorf("line %d:%s", n+first-1, rest)
	}
	return err
}

// parseImages is docker/metadata-action src/image.ts Transform.
func parseImages(entries []listEntry) ([]Image, error) {
	var images []Image
	// Backward compatibility: a single entry of bare names separated by
	// commas is a list of images.
	if len(entries) == 1 {
		fields, err := entryFields(entries[0].text)
		if err != nil {
			return nil, fmt.Errorf("line %d: images entry %q: %v", entries[0].line, entries[0].text, stripLine(err))
		}
		bare := true
		for _, f := range fields {
			parts := splitAll(f)
			if len(parts) != 1 {
				bare = false
				break
			}
			images = append(images, Image{Name: parts[0], Enable: true, Line: entries[0].line})
		}
		if bare {
			return images, nil
		}
	}
	images = nil
	for _, e := range entries {
		img := Image{Enable: true, Line: e.line}
		fields, err := entryFields(e.text)
		if err != nil {
			return nil, fmt.Errorf("line %d: images entry %q: %v", e.line, e.text, stripLine(err))
		}
		for _, f := range fields {
			parts := splitAll(f)
			if len(parts) == 1 {
				img.Name = parts[0]
				continue
			}
			switch key, value := strings.ToLower(parts[0]), parts[1]; key {
			case "name":
				img.Name = value
			case "enable":
				if value != "true" && value != "false" {
					return nil, fmt.Errorf("line %d: images entry %q: enable must be true or false, not %q", e.line, e.text, value)
				}
				img.Enable = value == "true"
			default:
				return nil, fmt.Errorf("line %d: images entry %q: unknown attribute %q; an image takes name= and enable=", e.line, e.text, key)
			}
		}
		if img.Name == "" {
			return nil, fmt.Errorf("line %d: images entry %q has no name; write name=registry/owner/image", e.line, e.text)
		}
		images = append(images, img)
	}
	return images, nil
}

// splitAll is `field.split('=').map(trim)` of image.ts and flavor.ts:
// every '=' splits, and only parts[0] and parts[1] are used.
func splitAll(f string) []string {
	parts := strings.Split(f, "=")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// stripLine drops parseCSV's "line N: " (the caller names the file line).
func stripLine(err error) string {
	msg := err.Error()
	var n int
	if _, e := fmt.Sscanf(msg, "line %d:", &n); e == nil {
		return strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return msg
}

// parseFlavor is docker/metadata-action src/flavor.ts Transform: onlatest
// applies to the prefix or suffix written before it on the same line.
func parseFlavor(entries []listEntry) (Flavor, error) {
	fl := Flavor{Latest: "auto"}
	for _, e := range entries {
		fields, err := entryFields(e.text)
		if err != nil {
			return fl, fmt.Errorf("line %d: flavor entry %q: %v", e.line, e.text, stripLine(err))
		}
		onlatestFor := ""
		for _, f := range fields {
			parts := splitAll(f)
			if len(parts) == 1 {
				return fl, fmt.Errorf("line %d: flavor entry %q: %q is not key=value; flavor takes latest=auto|true|false, prefix=, suffix= and onlatest=", e.line, e.text, f)
			}
			switch key, value := strings.ToLower(parts[0]), parts[1]; key {
			case "latest":
				if value != "auto" && value != "true" && value != "false" {
					return fl, fmt.Errorf("line %d: flavor entry %q: latest must be auto, true or false, not %q", e.line, e.text, value)
				}
				fl.Latest = value
			case "prefix":
				fl.Prefix, onlatestFor = value, "prefix"
			case "suffix":
				fl.Suffix, onlatestFor = value, "suffix"
			case "onlatest":
				if value != "true" && value != "false" {
					return fl, fmt.Errorf("line %d: flavor entry %q: onlatest must be true or false, not %q", e.line, e.text, value)
				}
				switch onlatestFor {
				case "prefix":
					fl.PrefixOnLatest = value == "true"
				case "suffix":
					fl.SuffixOnLatest = value == "true"
				}
			default:
				return fl, fmt.Errorf("line %d: flavor entry %q: unknown key %q; flavor takes latest, prefix, suffix and onlatest", e.line, e.text, key)
			}
		}
	}
	return fl, nil
}

// defaultTags are the tags when the input is empty (src/tag.ts Transform;
// README "tags input").
var defaultTags = []string{"type=schedule", "type=ref,event=branch", "type=ref,event=tag", "type=ref,event=pr"}

// parseTags is docker/metadata-action src/tag.ts Transform and Parse.
func parseTags(entries []listEntry) ([]TagSpec, error) {
	if len(entries) == 0 {
		for _, s := range defaultTags {
			entries = append(entries, listEntry{text: s})
		}
	}
	var tags []TagSpec
	for _, e := range entries {
		t, err := parseTag(e.text)
		if err != nil {
			if e.line > 0 {
				return nil, fmt.Errorf("line %d: tags entry %q: %v", e.line, e.text, err)
			}
			return nil, fmt.Errorf("tags entry %q: %v", e.text, err)
		}
		t.Line = e.line
		tags = append(tags, t)
	}
	// Array.prototype.sort is stable: equal priorities keep their order.
	slices.SortStableFunc(tags, func(a, b TagSpec) int { return b.Priority - a.Priority })
	return tags, nil
}

var refEvents = []string{"branch", "tag", "pr"}

func parseTag(s string) (TagSpec, error) {
	fields, err := entryFields(s)
	if err != nil {
		return TagSpec{}, errors.New(stripLine(err))
	}
	t := TagSpec{Attrs: map[string]string{}, Source: s}
	for _, f := range fields {
		// split(/(?<=^[^=]+?)=/): at the first '=' that has something
		// before it.
		i := strings.IndexByte(f, '=')
		if i <= 0 {
			t.Attrs["value"] = strings.TrimSpace(f)
			continue
		}
		key, value := strings.ToLower(strings.TrimSpace(f[:i])), strings.TrimSpace(f[i+1:])
		if key == "type" {
			if _, ok := defaultPriority[value]; !ok {
				return t, fmt.Errorf("unknown type %q; the types are schedule, semver, pep440, match, edge, ref, raw and sha", value)
			}
			t.Type = value
			continue
		}
		t.Attrs[key] = value
	}
	if t.Type == "" {
		t.Type = "raw"
	}
	has := func(k string) bool { _, ok := t.Attrs[k]; return ok }
	setDefault := func(k, v string) {
		if !has(k) {
			t.Attrs[k] = v
		}
	}
	switch t.Type {
	case "schedule":
		setDefault("pattern", "nightly")
	case "semver", "pep440":
		if !has("pattern") {
			return t, fmt.Errorf("type=%s needs a pattern, such as pattern={{version}}", t.Type)
		}
		setDefault("value", "")
	case "match":
		if !has("pattern") {
			return t, errors.New(`type=match needs a pattern (a regular expression), such as pattern=v(.*),group=1`)
		}
		setDefault("group", "0")
		if _, err := strconv.ParseUint(t.Attrs["group"], 10, 16); err != nil {
			return t, fmt.Errorf("group must be the number of a capturing group, not %q", t.Attrs["group"])
		}
		setDefault("value", "")
	case "edge":
		setDefault("branch", "")
	case "ref":
		if !has("event") {
			return t, errors.New("type=ref needs event=branch, event=tag or event=pr")
		}
		if !slices.Contains(refEvents, t.Attrs["event"]) {
			return t, fmt.Errorf("event must be branch, tag or pr, not %q", t.Attrs["event"])
		}
		if t.Attrs["event"] == "pr" {
			setDefault("prefix", "pr-")
		}
	case "raw":
		if !has("value") {
			return t, errors.New("type=raw needs a value, such as type=raw,value=stable")
		}
	case "sha":
		setDefault("prefix", "sha-")
		setDefault("format", "short")
		if f := t.Attrs["format"]; f != "short" && f != "long" {
			return t, fmt.Errorf("format must be short or long, not %q", f)
		}
	}
	setDefault("enable", "true")
	t.Enable = t.Attrs["enable"]
	if p, ok := t.Attrs["priority"]; ok {
		// metadata-action compares Number(priority); a value that is not a
		// number sorts unpredictably there, so it is an error here.
		n, err := strconv.Atoi(p)
		if err != nil {
			return t, fmt.Errorf("priority must be a whole number, not %q", p)
		}
		t.Priority = n
	} else {
		t.Priority = defaultPriority[t.Type]
		t.Attrs["priority"] = strconv.Itoa(t.Priority)
	}
	t.Prefix, t.Suffix = t.Attrs["prefix"], t.Attrs["suffix"]
	if _, err := parseTemplate(t.Enable); err != nil {
		return t, fmt.Errorf("enable: %v", err)
	}
	for _, k := range []string{"prefix", "suffix", "value"} {
		if v, ok := t.Attrs[k]; ok {
			if _, err := parseTemplate(v); err != nil {
				return t, fmt.Errorf("%s: %v", k, err)
			}
		}
	}
	if t.Type == "schedule" || t.Type == "semver" || t.Type == "pep440" {
		if _, err := parseTemplate(t.Attrs["pattern"]); err != nil {
			return t, fmt.Errorf("pattern: %v", err)
		}
	}
	return t, nil
}
