# The policy of a production registry that only release pipelines may
# push to, and that is cleaned by a scheduled job. Everything here errs on
# the side of keeping: an image is deleted only when a prune rule says so,
# no protect rule matches it, it is older than min_age, and the whole plan
# stays under max_deletions.
#
#   git tag v4.7.0        -> 4.7.0 4.7 4 (when highest; never latest: deploys name a version)
#   git tag v4.8.0-rc.2   -> 4.8.0-rc.2 (release candidates, for the canary)
#   anything else         -> refused by the checks: nothing is pushed
#
# The registry has no default: it must be given, so that a policy checked
# on a laptop cannot silently point at production.
#
#   hoist policy check examples/policies/production --var-file examples/policies/production/vars/prod.hcl

variable "registry" {
  type        = string
  description = "The production registry and namespace."

  validation {
    condition     = contains(["registry.acme.internal/prod", "registry.acme.internal/staging"], var.registry)
    error_message = "The registry must be registry.acme.internal/prod or registry.acme.internal/staging."
  }
}

variable "base_registries" {
  type        = list(string)
  default     = ["registry.acme.internal", "cgr.dev"]
  description = "The only registries FROM may pull base images from."
}

variable "retention" {
  type = object({
    candidates     = optional(number, 10)    # release candidates kept per repository, newest first
    candidate_age  = optional(string, "60d") # and never deleted younger than this
    untagged_after = optional(string, "30d")
  })
  default     = {}
  description = "How long what is not a release stays."
}

locals {
  tagged    = semver_valid(git.tag)
  stable    = local.tagged && semver_prerelease(git.tag) == ""
  candidate = local.tagged && can(regex("^rc\\.[0-9]+$", semver_prerelease(git.tag)))

  # The highest version published so far, null when there is none. A
  # registry that could not be read makes this fail: the check that uses
  # it then fails closed.
  highest = semver_max(registry.versions)
}

lint {
  failure_threshold  = "warning"
  trusted_registries = var.base_registries
  override = {
    DL3002 = "error" # the last USER is root
    DL3007 = "error" # FROM ...:latest
  }
  label_schema = {
    "org.opencontainers.image.source"   = "url"
    "org.opencontainers.image.revision" = "hash"
    "org.opencontainers.image.version"  = "semver"
  }
}

image "payments" {
  repository = "${var.registry}/payments"
  context    = "services/payments"
  platforms  = ["linux/amd64"]
}

image "ledger" {
  repository = "${var.registry}/ledger"
  context    = "services/ledger"
  platforms  = ["linux/amd64"]
}

# Stable releases: the semver tags without latest.
tag "release" {
  when = local.stable
  tags = [for t in semver_tags(git.tag, registry.versions) : t if t != "latest"]
}

tag "candidate" {
  when = local.candidate
  tags = semver_tags(git.tag, registry.versions)
}

# Every check is hard-mandatory unless it says otherwise: none can be
# overridden.
check "releases-only" {
  condition     = local.stable || local.candidate
  error_message = "Production takes stable releases (v1.2.3) and release candidates (v1.2.3-rc.1) only, not ${coalesce(git.tag, git.branch, "an untagged build")}."
}

check "never-from-a-pull-request" {
  condition     = git.pr == null
  error_message = "Pull request ${git.pr} cannot push to production."
}

check "own-registry" {
  condition     = startswith(push.repository, "${var.registry}/")
  error_message = "${push.repository} is not in ${var.registry}."
}

check "no-latest" {
  condition     = !contains(push.tags, "latest")
  error_message = "Production images are deployed by version; latest is not allowed."
}

check "lint-clean" {
  condition     = lint.errors == 0 && lint.warnings == 0
  error_message = "Production images pass hoist lint without errors or warnings (${lint.errors} errors, ${lint.warnings} warnings)."
}

# A new major version is a deliberate act: the release manager overrides.
check "new-major-version" {
  enforcement_level = "soft-mandatory"
  condition         = !local.tagged || local.highest == null || semver_major(git.tag) <= semver_major(local.highest)
  error_message     = "${git.tag} starts a new major version above ${local.highest}: push with --override new-major-version."
}

check "lint-infos" {
  enforcement_level = "advisory"
  condition         = lint.infos == 0
  error_message     = "hoist lint reports ${lint.infos} infos."
}

# An image is kept when ANY of its tags is a release, not only the tag being
# judged: a release that also carries a candidate tag must not go with it.
protect "releases" {
  match = length([for t in image.tags : t if semver_valid(t) && semver_prerelease(t) == ""]) > 0
}

protect "floating" {
  match = length([for t in image.tags : t if can(regex("^[0-9]+(\\.[0-9]+)?$", t))]) > 0
}

# Operators pin an image by adding the annotation (or label)
# com.acme.retain=true.
protect "retained" {
  match = lookup(image.annotations, "com.acme.retain", "") == "true" || lookup(image.labels, "com.acme.retain", "") == "true"
}

prune "old-candidates" {
  repository  = "${var.registry}/*"
  match       = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+-rc\\.[0-9]+$", image.tag))
  older_than  = var.retention.candidate_age
  keep_latest = var.retention.candidates
}

# Untagged manifests are what a moved tag leaves behind. The children of a
# kept multi-platform index are untagged too, and hoist keeps them whatever
# a rule says.
prune "untagged" {
  repository = "${var.registry}/*"
  match      = image.untagged
  older_than = var.retention.untagged_after
}

policy {
  min_age       = "7d"
  max_deletions = 25
}
