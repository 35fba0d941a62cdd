variable "registry" { default = "ghcr.io/acme" }    # set with --var registry=... or HOIST_VAR_registry

locals {
  stable = git.tag != "" && semver_valid(git.tag) && semver_prerelease(git.tag) == ""
}

lint {
  failure_threshold  = "warning"
  ignore             = ["DL3008"]
  trusted_registries = ["ghcr.io", "docker.io"]
}

image "web" {
  repository = "${var.registry}/web"
  context    = "."
  dockerfile = "Dockerfile"
  build_args = { GO_VERSION = "1.26" }
}

tag "release" {                       # every tag rule whose `when` holds adds its tags
  when = local.stable
  tags = semver_tags(git.tag, registry.versions)   # 1.2.3 always; 1.2 / 1 / latest only if highest
}
tag "main" {
  when = git.branch == git.default_branch
  tags = ["edge", "sha-${git.short_sha}"]
}
tag "pr" {
  when = git.pr != null
  tags = ["pr-${git.pr}"]
}

check "no-latest-from-prerelease" {  # evaluated against the computed push before it happens
  enforcement_level = "hard-mandatory"   # advisory | soft-mandatory (--override) | hard-mandatory
  condition         = local.stable || !contains(push.tags, "latest")
  error_message     = "a prerelease (${git.tag}) must never be tagged latest"
}
check "lint-clean" {
  condition     = lint.errors == 0
  error_message = "fix lint errors before pushing"
}

protect "releases" { match = semver_valid(image.tag) }                 # protect beats prune
protect "floating" { match = contains(["latest", "edge"], image.tag) }

prune "pr-builds" {
  repository = "${var.registry}/web"      # optional; glob; default: every image block's repository
  match      = can(regex("^pr-[0-9]+$", image.tag))
  older_than = "14d"
}
prune "ci-builds" {
  match       = startswith(image.tag, "sha-")
  keep_latest = 10                        # newest N matches (by created) are kept
}
prune "untagged" {
  match      = image.untagged
  older_than = "72h"
}

policy {
  min_age       = "24h"
  max_deletions = 500
}
