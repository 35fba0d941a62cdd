# The release flow of a library that ships one image (a CLI and its
# runtime), released from semantic-version git tags.
#
#   git tag v1.4.0, nothing higher published  -> 1.4.0 1.4 1 latest
#   git tag v1.3.5, a backport after 1.4.0    -> 1.3.5 1.3      (1 and latest stay on 1.4.0)
#   git tag v0.3.0, the first release         -> 0.3.0 0.3 latest  (never a bare 0)
#   git tag v2.0.0-rc.1                       -> 2.0.0-rc.1 next
#   push to the default branch                -> edge sha-1a2b3c4
#   pull request 42                           -> pr-42
#
#   hoist policy check examples/policies/library
#   hoist policy explain --git-tag v1.3.5 --published 1.4.0,1.3.4   (facts as flags)

variable "repository" {
  type        = string
  default     = "ghcr.io/acme/widget"
  description = "The repository the image is published to."

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+$", var.repository))
    error_message = "Write the repository as REGISTRY/PATH in lower case, such as ghcr.io/acme/widget."
  }
}

locals {
  # git.tag is null on branch builds, and semver_valid(null) is false, so
  # these are false there rather than errors.
  tagged     = semver_valid(git.tag)
  prerelease = local.tagged && semver_prerelease(git.tag) != ""
  stable     = local.tagged && !local.prerelease
  on_main    = git.branch != null && git.branch == git.default_branch

  # The floating "next" tag follows the highest prerelease, and only while
  # no published version (release or prerelease) is higher: an rc of a
  # backport must not take it. An unknown registry makes this fail, which
  # fails closed: nothing is pushed.
  newest_prerelease = local.prerelease && semver_compare(git.tag, semver_max(concat(registry.versions, [git.tag]))) >= 0
}

lint {
  failure_threshold  = "warning"
  trusted_registries = ["docker.io", "ghcr.io"]
  label_schema = {
    "org.opencontainers.image.source"   = "url"
    "org.opencontainers.image.licenses" = "spdx"
  }
}

image "widget" {
  repository = var.repository
  context    = "."
  platforms  = ["linux/amd64", "linux/arm64"]
  labels = {
    "org.opencontainers.image.source"   = "https://github.com/acme/widget"
    "org.opencontainers.image.licenses" = "Apache-2.0"
  }
}

# semver_tags gives the exact version always; MAJOR.MINOR, MAJOR (not for
# 0.x) and latest only when this version is the highest in that line among
# the published ones. A prerelease gets only its exact tag.
tag "version" {
  when = local.tagged
  tags = semver_tags(git.tag, registry.versions)
}

tag "next" {
  when = local.newest_prerelease
  tags = ["next"]
}

tag "edge" {
  when = local.on_main
  tags = ["edge", "sha-${git.short_sha}"]
}

tag "pull-request" {
  when = git.pr != null
  tags = ["pr-${git.pr}"]
}

check "latest-only-from-a-release" {
  enforcement_level = "hard-mandatory"
  condition         = local.stable || !contains(push.tags, "latest")
  error_message     = "Only a stable release may be tagged latest; ${coalesce(git.tag, git.branch, "this build")} is not one."
}

check "pull-requests-stay-in-their-lane" {
  enforcement_level = "hard-mandatory"
  condition         = git.pr == null || length([for t in push.tags : t if !startswith(t, "pr-")]) == 0
  error_message     = "A pull request build may push only pr-N tags."
}

check "lint-clean" {
  enforcement_level = "soft-mandatory" # hoist ... --override lint-clean to push anyway
  condition         = lint.errors == 0
  error_message     = "The Dockerfile has lint errors: run hoist lint and fix them, or override lint-clean."
}

check "few-warnings" {
  enforcement_level = "advisory"
  condition         = lint.warnings <= 5
  error_message     = "The Dockerfile has ${lint.warnings} lint warnings."
}

# Releases and the floating tags stay forever.
protect "releases" {
  match = semver_valid(image.tag)
}

protect "floating" {
  match = contains(["latest", "next", "edge"], image.tag) || can(regex("^[0-9]+(\\.[0-9]+)?$", image.tag))
}

prune "pull-requests" {
  match      = startswith(image.tag, "pr-")
  older_than = "14d"
}

prune "commits" {
  match       = startswith(image.tag, "sha-")
  older_than  = "30d"
  keep_latest = 20
}

prune "untagged" {
  match      = image.untagged
  older_than = "7d"
}

policy {
  min_age       = "48h"
  max_deletions = 200
}
