package policy

import (
	_ "embed"
	"errors"
)

// DefaultSourceName is the file name of the built-in rules in decisions and
// diagnostics: their rules are at "default.hcl:N".
const DefaultSourceName = "default.hcl"

// DefaultSource is the HCL of the built-in rules (see DefaultPolicy).
//
//go:embed default.hcl
var DefaultSource []byte

// DefaultPolicy returns the built-in policy, loaded from DefaultSource (so
// its decisions point at "default.hcl:N" like any other rule): tag rules
// that give what docker/metadata-action users expect, corrected as
// DESIGN.md §4.4 says —
//
//   - a semver git tag v1.2.3 gets semver_tags(git.tag, registry.versions):
//     1.2.3 always, 1.2, 1 and latest only when it is the highest release in
//     that line among the published versions; a prerelease only its exact
//     tag; 0.x no bare 0;
//   - any other git tag gets itself, sanitized;
//   - a branch build (not a tag, not a pull request) gets
//     sanitize_tag(git.branch);
//   - a pull request N gets pr-N;
//   - every build whose commit is known gets sha-<7 hex>.
//
// It has no check, protect or prune rule: prune refuses (ErrNoPruneRules).
// TagSet uses its tag rules for a nil policy and for a policy without tag
// rules. Each call loads a new Policy.
func DefaultPolicy() *Policy {
	p, diags := LoadSources([]Source{{Name: DefaultSourceName, Data: DefaultSource}},
		LoadOptions{Functions: Functions(), FactTypes: FactTypes()})
	if diags.HasErrors() {
		panic("policy: the built-in default.hcl does not load: " + diags.Error())
	}
	return p
}

// ErrNoPruneRules is returned by PruneDecisions when the policy has no
// prune rule (the built-in defaults have none): hoist prune then deletes
// nothing, rather than guess what may go.
var ErrNoPruneRules = errors.New(`the policy has no prune rule, so nothing may be deleted. Say what may go in hoist.hcl, for example:

  prune "pr-builds" {
    match      = can(regex("^pr-[0-9]+$", image.tag))
    older_than = "14d"
  }
  prune "ci-builds" {
    match       = startswith(image.tag, "sha-")
    keep_latest = 10
  }

and keep what must stay with protect rules (protect "releases" { match = semver_valid(image.tag) });
hoist policy explain --image REF shows what the rules decide`)
