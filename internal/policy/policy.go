// Package policy loads, validates and evaluates hoist.hcl, the policy that
// decides what is linted how, what is pushed under which tags and what is
// removed from a registry.
//
// Loading (Load) parses one or more files (HCL native syntax, or JSON when
// the name ends in .json), checks every block against the schema, resolves
// variables and evaluates everything that does not depend on facts. What
// depends on facts — a tag rule's when and tags, a check's condition and
// error_message, a protect or prune rule's match, and the locals they use —
// stays an hcl.Expression in the Policy, type-checked at load time against
// unknown facts and evaluated later, once per fact set, through a Scope.
//
// Variables are evaluated at load time: default < HOIST_VAR_name <
// --var-file (in order) < --var. Values given as strings (--var, the
// environment) are taken literally for string, number, bool and untyped
// variables and parsed as HCL constants for the others, as Terraform does.
//
// Locals split in two. A local that uses no fact, directly or through other
// locals, is static: Load evaluates it, and load-time attributes (image,
// lint, policy, ...) may use it. A local that uses a fact stays an
// expression; a Scope evaluates it on demand, once per fact set, so a local
// about git never fails a prune decision that does not use it. Attributes
// evaluated at load time cannot use facts, directly or through a local; the
// error says which fact.
//
// A policy that fails to load must not be used: Load still returns a Policy
// (its Files are needed to render the diagnostics), but every evaluation
// through it fails.
package policy

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/hoistci/hoist/lint"
)

// Policy is a loaded policy: its declarations in the order they were
// written (files in the order given to Load, blocks in file order).
// A Policy is not modified after Load and is safe for concurrent use; a Scope
// is not.
type Policy struct {
	// Files are the parsed sources, keyed by the file names used in
	// diagnostic ranges: the policy files, the variable files and one
	// pseudo-file per value given with --var or HOIST_VAR_name (named
	// "<--var NAME>" and "<HOIST_VAR_NAME>", with Bytes only). Pass them
	// to Render.
	Files map[string]*hcl.File

	// Variables are the declared input variables with their final values.
	Variables []*Variable
	// Locals are the local values, in declaration order.
	Locals []*Local

	// Lint is the lint {} block, nil when there is none.
	Lint *LintBlock
	// Images are the image blocks.
	Images []*ImageBlock
	// Tags are the tag rules: every rule whose When holds adds its tags.
	Tags []*TagRule
	// Checks are the check rules, evaluated against the computed push.
	Checks []*CheckRule
	// Protects are the protect rules: a match keeps an image whatever a
	// prune rule says.
	Protects []*ProtectRule
	// Prunes are the prune rules.
	Prunes []*PruneRule
	// Limits are the safety guards of the policy {} block, with their
	// defaults when the block or an attribute is absent.
	Limits Limits

	functions map[string]function.Function
	facts     map[string]cty.Type // fact name -> type (cty.DynamicPseudoType when not given)
	vars      cty.Value           // the var object
	locals    map[string]*Local
	fileOrder map[string]int // file name -> load order, to sort diagnostics
	broken    bool           // Load reported errors: every evaluation fails
}

// Rule identifies the block a value or a decision comes from.
type Rule struct {
	// Kind is the block type: "tag", "check", "image", "protect", "prune",
	// "lint" or "policy".
	Kind string
	// Name is the block's label ("" for lint and policy).
	Name string
	// DeclRange is the block header (type and labels). It is the zero Range
	// for a built-in default.
	DeclRange hcl.Range
}

// String gives the rule as written: `tag "main"`, `policy`.
func (r Rule) String() string {
	if r.Name == "" {
		return r.Kind
	}
	return fmt.Sprintf("%s %q", r.Kind, r.Name)
}

// Location gives "file:line" of the block header, or "default" for a
// built-in value.
func (r Rule) Location() string {
	if r.DeclRange.Filename == "" {
		return "default"
	}
	return fmt.Sprintf("%s:%d", r.DeclRange.Filename, r.DeclRange.Start.Line)
}

// Variable is a variable block with the value it was given.
type Variable struct {
	Name        string
	Description string
	// Type is the type constraint; cty.DynamicPseudoType for "any" or no
	// type.
	Type cty.Type
	// Default is cty.NilVal when the block has no default (the variable is
	// then required); a default of null makes the variable optional.
	Default cty.Value
	// Validations are the validation blocks, already checked against Value.
	Validations []*Validation
	// Value is the final value, converted to Type.
	Value cty.Value
	// Source says where Value came from: "default", "HOIST_VAR_<name>",
	// "--var-file <path>" or "--var".
	Source string
	// DeclRange is the block header.
	DeclRange hcl.Range

	defaultRng hcl.Range
}

// Validation is a validation block of a variable.
type Validation struct {
	Condition    hcl.Expression
	ErrorMessage hcl.Expression
	DeclRange    hcl.Range
}

// Local is one attribute of a locals block.
//
// A local that uses no fact, directly or through another local, is static:
// it is evaluated once by Load and Value holds the result. Any other local
// is evaluated lazily by a Scope, once per fact set, and only when an
// expression being evaluated needs it — so a local about git facts never
// fails the evaluation of a prune rule that does not use it.
type Local struct {
	Name string
	Expr hcl.Expression
	// Range covers the whole "name = expr" attribute.
	Range hcl.Range
	// Facts are the facts the local uses, directly or through other locals,
	// sorted; empty for a static local.
	Facts []string
	// Value is the value of a static local (cty.NilVal otherwise).
	Value cty.Value

	nameRange hcl.Range
	deps      []string  // locals referred to directly, in order of appearance
	order     int       // position in a dependency order (dependencies first)
	check     cty.Value // value against unknown facts, used to type-check at load
}

// Static reports whether the local uses no fact and was evaluated by Load.
func (l *Local) Static() bool { return len(l.Facts) == 0 }

// LintBlock is the lint {} block.
type LintBlock struct {
	Rule
	// Settings layer over the lint configuration (lint.Settings.Apply). The
	// Source is the policy file name.
	Settings lint.Settings
}

// ImageBlock is an image block: what to build and where it goes. Every field is
// evaluated at load time (image blocks cannot use facts).
type ImageBlock struct {
	Rule
	// Repository is the image repository without tag or digest, such as
	// "ghcr.io/acme/web".
	Repository string
	// Context is the build context ("." when not set), and Dockerfile the
	// Dockerfile ("" when not set: the build's default, Dockerfile in the
	// context). Relative paths are relative to Dir.
	Context    string
	Dockerfile string
	// Dir is the directory of the file that declares the block.
	Dir       string
	BuildArgs map[string]string
	Target    string
	// Platforms are "os/arch[/variant]" strings.
	Platforms []string
	Labels    map[string]string
}

// TagRule is a tag rule. When it holds for the facts, Tags are added to the
// push.
type TagRule struct {
	Rule
	// When is a bool expression; nil when the rule has no when (it always
	// applies).
	When hcl.Expression
	// Tags is a list(string) expression.
	Tags hcl.Expression
}

// EnforcementLevel says what a failing check does.
type EnforcementLevel string

const (
	// Advisory checks warn.
	Advisory EnforcementLevel = "advisory"
	// SoftMandatory checks fail unless overridden by name (--override).
	SoftMandatory EnforcementLevel = "soft-mandatory"
	// HardMandatory checks always fail. It is the default: a check someone
	// wrote is meant to stop a push unless it says otherwise.
	HardMandatory EnforcementLevel = "hard-mandatory"
)

// CheckRule is a check rule, evaluated against the computed push before it
// happens.
type CheckRule struct {
	Rule
	Level EnforcementLevel
	// Condition is a bool expression: false means the check failed.
	Condition hcl.Expression
	// ErrorMessage is a string expression, evaluated when the check fails.
	ErrorMessage hcl.Expression
}

// ProtectRule is a protect rule: an image it matches is never deleted.
type ProtectRule struct {
	Rule
	// Repository is a glob over repositories (the glob function's syntax);
	// "" means every repository.
	Repository string
	// Match is a bool expression over the image facts.
	Match hcl.Expression
}

// PruneRule is a prune rule: an image it matches (and no protect rule matches)
// is deleted, subject to OlderThan, KeepLatest and the policy Limits.
type PruneRule struct {
	Rule
	// Repository is a glob over repositories (the glob function's syntax);
	// "" means the repositories of every image block.
	Repository string
	// Match is a bool expression over the image facts.
	Match hcl.Expression
	// OlderThan: only images at least this old are deleted (0: any age).
	OlderThan time.Duration
	// KeepLatest: the newest KeepLatest matching images (by created) are
	// kept (0: none is kept for this reason).
	KeepLatest int
}

// Limits are the safety guards of the policy {} block.
type Limits struct {
	// Rule is the policy block; its DeclRange is zero when the policy has
	// no policy block.
	Rule
	// MinAge: younger images are never deleted.
	MinAge time.Duration
	// MaxDeletions: a prune plan with more deletions fails as a whole.
	MaxDeletions int
}

// Defaults of the policy {} block.
const (
	DefaultMinAge       = 24 * time.Hour
	DefaultMaxDeletions = 500
)

// FactNames are the facts a policy can use when LoadOptions.FactTypes is
// nil.
var FactNames = []string{"git", "registry", "push", "lint", "image", "env"}
