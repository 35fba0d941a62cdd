# A product monorepo: three services and a database-migration job, each
# with its own Dockerfile, built from one repository and released together
# under one version.
#
#   git tag v3.2.0           -> 3.2.0 3.2 3 latest, on every image (when highest)
#   push to main             -> main sha-1a2b3c4
#   push to release/3.2      -> release-3.2 sha-1a2b3c4
#   pull request 87          -> pr-87
#
#   hoist policy check examples/policies/monorepo
#   hoist policy check examples/policies/monorepo --var registry=registry.example.com/shop

variable "registry" {
  type        = string
  default     = "ghcr.io/acme-shop"
  description = "Registry and namespace of every image; each image is REGISTRY/NAME."

  validation {
    condition     = !endswith(var.registry, "/")
    error_message = "Write the registry without a trailing slash: ghcr.io/acme-shop."
  }
}

variable "platforms" {
  type        = list(string)
  default     = ["linux/amd64", "linux/arm64"]
  description = "Platforms of the services (the migration job runs on amd64 only)."
}

locals {
  # Static locals (no facts): image blocks can use them.
  repo = {
    api     = "${var.registry}/api"
    web     = "${var.registry}/web"
    worker  = "${var.registry}/worker"
    migrate = "${var.registry}/migrate"
  }
  oci_labels = {
    "org.opencontainers.image.source" = "https://github.com/acme/shop"
    "org.opencontainers.image.vendor" = "Acme"
  }

  # Fact-dependent locals: evaluated per build, only when a rule needs them.
  release        = semver_valid(git.tag) && semver_prerelease(git.tag) == ""
  release_branch = git.branch != null && startswith(git.branch, "release/")
  on_main        = git.branch != null && git.branch == git.default_branch
}

lint {
  failure_threshold  = "warning"
  ignore             = ["DL3008"] # apt pins: base images are rebuilt weekly instead
  trusted_registries = ["docker.io", "ghcr.io", "cgr.dev"]
  label_schema       = { "org.opencontainers.image.source" = "url" }
}

image "api" {
  repository = local.repo.api
  context    = "services/api"
  platforms  = var.platforms
  build_args = { GO_VERSION = "1.26" }
  labels     = merge(local.oci_labels, { "org.opencontainers.image.title" = "api" })
}

image "web" {
  repository = local.repo.web
  context    = "services/web"
  dockerfile = "services/web/Dockerfile"
  target     = "runtime"
  platforms  = var.platforms
  build_args = { NODE_VERSION = "22" }
  labels     = merge(local.oci_labels, { "org.opencontainers.image.title" = "web" })
}

image "worker" {
  repository = local.repo.worker
  context    = "."
  dockerfile = "services/worker/Dockerfile"
  platforms  = var.platforms
  labels     = merge(local.oci_labels, { "org.opencontainers.image.title" = "worker" })
}

image "migrate" {
  repository = local.repo.migrate
  context    = "db"
  platforms  = ["linux/amd64"]
  labels     = merge(local.oci_labels, { "org.opencontainers.image.title" = "migrate" })
}

tag "release" {
  when = local.release
  tags = semver_tags(git.tag, registry.versions)
}

tag "main" {
  when = local.on_main
  tags = ["main", "sha-${git.short_sha}"]
}

# release/3.2 -> release-3.2: a branch name made a valid tag.
tag "release-branch" {
  when = local.release_branch
  tags = [sanitize_tag(git.branch), "sha-${git.short_sha}"]
}

tag "pull-request" {
  when = git.pr != null
  tags = ["pr-${git.pr}"]
}

check "own-registry" {
  condition     = startswith(push.repository, "${var.registry}/")
  error_message = "This policy pushes only to ${var.registry}, not to ${push.repository}."
}

check "lint-clean" {
  condition     = lint.errors == 0
  error_message = "Fix the lint errors (hoist lint) before pushing."
}

check "no-prerelease-tags" {
  enforcement_level = "advisory"
  condition         = !semver_valid(git.tag) || local.release
  error_message     = "${git.tag} is a prerelease: the release rule gives it no tags."
}

protect "releases" {
  match = semver_valid(image.tag)
}

protect "floating" {
  match = contains(["latest", "main"], image.tag) || can(regex("^[0-9]+(\\.[0-9]+)?$", image.tag)) || startswith(image.tag, "release-")
}

# Every image of the product: the glob matches each repository above.
prune "pull-requests" {
  repository = "${var.registry}/*"
  match      = can(regex("^pr-[0-9]+$", image.tag))
  older_than = "7d"
}

prune "commits" {
  repository  = "${var.registry}/*"
  match       = startswith(image.tag, "sha-")
  older_than  = "14d"
  keep_latest = 30
}

# The migration job is rebuilt on every schema change and each build runs
# once: its untagged manifests go sooner. A rule may name one repository;
# the general rule leaves that one out, so that no image matches both.
prune "migrate-untagged" {
  repository = local.repo.migrate
  match      = image.untagged
  older_than = "3d"
}

prune "untagged" {
  repository = "${var.registry}/*"
  match      = image.untagged && image.repository != local.repo.migrate
  older_than = "14d"
}

policy {
  min_age       = "24h"
  max_deletions = 1000
}
