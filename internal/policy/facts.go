package policy

import (
	"time"

	"github.com/zclconf/go-cty/cty"
)

// Facts are what the tool knows when it evaluates a policy. Each group is
// nil when it does not apply or could not be found out (no git repository,
// the registry not asked, no image being judged); its attributes are then
// all null, so `git.pr != null` works everywhere, while a function that
// needs the value (semver_tags(git.tag, registry.versions)) fails and the
// decision fails closed.
//
// Inside a group, a zero value means "unknown" and becomes null where zero
// cannot be a real value (an empty branch name, PR 0, size 0, a zero time);
// fields where zero is real (counts, age) are either always known or
// pointers. Collections of a present group are never null: nil is empty.
//
// Every string is passed to HCL as a plain value: a branch called
// `${file("/etc/passwd")}` is that text, never a template.
type Facts struct {
	Git      *Git
	Registry *Registry
	Push     *Push
	Lint     *Lint
	Image    *Image
	// Env is the environment the policy may read as env.NAME; nil is empty.
	// The caller chooses which variables to pass.
	Env map[string]string
}

// Git describes the commit being built.
type Git struct {
	Tag           string // the tag being built ("v1.2.3"); "" on a branch build
	Branch        string // "" when detached without a branch (tag builds)
	DefaultBranch string
	SHA           string // full commit id
	ShortSHA      string // "" gives the first 7 characters of SHA
	PR            int    // pull/merge request number; 0 when not a PR build
	Ref           string // "refs/heads/main", "refs/tags/v1.2.3", "refs/pull/12/merge"
	Event         string // CI event: "push", "pull_request", "tag", "schedule", ...
	Repository    string // "owner/name"
}

// Registry describes what is already published.
type Registry struct {
	// Versions are the semantic-version tags in the target repository
	// (others are tolerated: the semver functions skip them).
	Versions []string
}

// Push describes the push about to happen (check blocks judge it).
type Push struct {
	Repository string
	Tags       []string
	Digest     string // "" when not known before the push
}

// Lint is the outcome of linting the Dockerfile.
type Lint struct {
	Errors, Warnings, Infos int
	Findings                []LintFinding
}

// LintFinding is one lint finding, with the names hoist lint's JSON uses.
// It is its own type so that this package does not depend on lint (which
// reads the policy's lint block).
type LintFinding struct {
	Code    string // "DL3008"
	Rule    string
	Level   string // "error", "warning", "info", "style"
	Message string
	File    string
	Line    int // 0 when unknown
	Column  int // 0 when unknown
}

// Image describes one image (manifest) in a registry, as prune sees it.
// image.untagged is not a field: it is len(Tags) == 0, so that it cannot
// disagree with image.tags.
type Image struct {
	Repository  string
	Tag         string // the tag being judged; "" for an untagged image
	Tags        []string
	Digest      string
	Created     time.Time      // from the config; zero when unknown
	Age         *time.Duration // time since Created at planning; nil when unknown
	Size        int64          // bytes; 0 when unknown
	Platforms   []string       // "linux/amd64", ...
	Labels      map[string]string
	Annotations map[string]string
}

// LintFindingType is the cty type of an element of lint.findings.
var LintFindingType = cty.Object(map[string]cty.Type{
	"code":    cty.String,
	"rule":    cty.String,
	"level":   cty.String,
	"message": cty.String,
	"file":    cty.String,
	"line":    cty.Number,
	"column":  cty.Number,
})

// The cty types of the fact variables. Every attribute always has the
// same type; an unknown one is null of that type.
var (
	GitType = cty.Object(map[string]cty.Type{
		"tag":            cty.String,
		"branch":         cty.String,
		"default_branch": cty.String,
		"sha":            cty.String,
		"short_sha":      cty.String,
		"pr":             cty.Number,
		"ref":            cty.String,
		"event":          cty.String,
		"repository":     cty.String,
	})
	RegistryType = cty.Object(map[string]cty.Type{
		"versions": cty.List(cty.String),
	})
	PushType = cty.Object(map[string]cty.Type{
		"repository": cty.String,
		"tags":       cty.List(cty.String),
		"digest":     cty.String,
	})
	LintType = cty.Object(map[string]cty.Type{
		"errors":   cty.Number,
		"warnings": cty.Number,
		"infos":    cty.Number,
		"findings": cty.List(LintFindingType),
	})
	ImageType = cty.Object(map[string]cty.Type{
		"repository":  cty.String,
		"tag":         cty.String,
		"tags":        cty.List(cty.String),
		"digest":      cty.String,
		"created":     cty.String, // RFC 3339, UTC
		"age":         cty.Number, // seconds, compare with duration("14d")
		"size":        cty.Number, // bytes
		"untagged":    cty.Bool,
		"platforms":   cty.List(cty.String),
		"labels":      cty.Map(cty.String),
		"annotations": cty.Map(cty.String),
	})
	EnvType = cty.Map(cty.String)
)

// FactTypes returns the type of each fact variable (git, registry, push,
// lint, image, env), for validating a policy without facts.
func FactTypes() map[string]cty.Type {
	return map[string]cty.Type{
		"git":      GitType,
		"registry": RegistryType,
		"push":     PushType,
		"lint":     LintType,
		"image":    ImageType,
		"env":      EnvType,
	}
}

// Variables returns the facts as HCL variables: git, registry, push, lint,
// image and env, each of the type FactTypes gives.
func (f Facts) Variables() map[string]cty.Value {
	return map[string]cty.Value{
		"git":      f.Git.factValue(),
		"registry": f.Registry.factValue(),
		"push":     f.Push.factValue(),
		"lint":     f.Lint.factValue(),
		"image":    f.Image.factValue(),
		"env":      factStringMap(f.Env),
	}
}

// factNullObject is an object of type ty whose attributes are all null.
func factNullObject(ty cty.Type) cty.Value {
	attrs := make(map[string]cty.Value, len(ty.AttributeTypes()))
	for name, aty := range ty.AttributeTypes() {
		attrs[name] = cty.NullVal(aty)
	}
	return cty.ObjectVal(attrs)
}

// factString is s, or null when s is empty.
func factString(s string) cty.Value {
	if s == "" {
		return cty.NullVal(cty.String)
	}
	return cty.StringVal(s)
}

// factPositive is n, or null when n is 0 (unknown).
func factPositive(n int64) cty.Value {
	if n == 0 {
		return cty.NullVal(cty.Number)
	}
	return cty.NumberIntVal(n)
}

func factStringList(list []string) cty.Value {
	if len(list) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(list))
	for i, s := range list {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

func factStringMap(m map[string]string) cty.Value {
	if len(m) == 0 {
		return cty.MapValEmpty(cty.String)
	}
	vals := make(map[string]cty.Value, len(m))
	for k, v := range m {
		vals[k] = cty.StringVal(v)
	}
	return cty.MapVal(vals)
}

func (g *Git) factValue() cty.Value {
	if g == nil {
		return factNullObject(GitType)
	}
	short := g.ShortSHA
	if short == "" && len(g.SHA) >= 7 {
		short = g.SHA[:7]
	}
	return cty.ObjectVal(map[string]cty.Value{
		"tag":            factString(g.Tag),
		"branch":         factString(g.Branch),
		"default_branch": factString(g.DefaultBranch),
		"sha":            factString(g.SHA),
		"short_sha":      factString(short),
		"pr":             factPositive(int64(g.PR)),
		"ref":            factString(g.Ref),
		"event":          factString(g.Event),
		"repository":     factString(g.Repository),
	})
}

func (r *Registry) factValue() cty.Value {
	if r == nil {
		return factNullObject(RegistryType)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"versions": factStringList(r.Versions),
	})
}

func (p *Push) factValue() cty.Value {
	if p == nil {
		return factNullObject(PushType)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"repository": factString(p.Repository),
		"tags":       factStringList(p.Tags),
		"digest":     factString(p.Digest),
	})
}

func (l *Lint) factValue() cty.Value {
	if l == nil {
		return factNullObject(LintType)
	}
	findings := cty.ListValEmpty(LintFindingType)
	if len(l.Findings) > 0 {
		vals := make([]cty.Value, len(l.Findings))
		for i, f := range l.Findings {
			vals[i] = cty.ObjectVal(map[string]cty.Value{
				"code":    factString(f.Code),
				"rule":    factString(f.Rule),
				"level":   factString(f.Level),
				"message": factString(f.Message),
				"file":    factString(f.File),
				"line":    factPositive(int64(f.Line)),
				"column":  factPositive(int64(f.Column)),
			})
		}
		findings = cty.ListVal(vals)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"errors":   cty.NumberIntVal(int64(l.Errors)),
		"warnings": cty.NumberIntVal(int64(l.Warnings)),
		"infos":    cty.NumberIntVal(int64(l.Infos)),
		"findings": findings,
	})
}

func (im *Image) factValue() cty.Value {
	if im == nil {
		return factNullObject(ImageType)
	}
	created := cty.NullVal(cty.String)
	if !im.Created.IsZero() {
		created = cty.StringVal(im.Created.UTC().Format(time.RFC3339))
	}
	age := cty.NullVal(cty.Number)
	if im.Age != nil {
		age = cty.NumberIntVal(int64(*im.Age / time.Second))
	}
	return cty.ObjectVal(map[string]cty.Value{
		"repository":  factString(im.Repository),
		"tag":         factString(im.Tag),
		"tags":        factStringList(im.Tags),
		"digest":      factString(im.Digest),
		"created":     created,
		"age":         age,
		"size":        factPositive(im.Size),
		"untagged":    cty.BoolVal(len(im.Tags) == 0),
		"platforms":   factStringList(im.Platforms),
		"labels":      factStringMap(im.Labels),
		"annotations": factStringMap(im.Annotations),
	})
}
