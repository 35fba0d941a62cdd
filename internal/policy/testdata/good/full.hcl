# Every block and attribute of the language.

variable "registry" {
  type        = string
  default     = "ghcr.io/acme"
  description = "the registry and namespace images are pushed to"

  validation {
    condition     = !startswith(var.registry, "docker.io/")
    error_message = "push to ghcr.io, not ${var.registry}"
  }
}

variable "settings" {
  type = object({
    keep     = optional(number, 10)
    channels = optional(list(string), ["edge"])
  })
  default = {}
}

locals {
  web     = "${var.registry}/web"
  on_main = git.branch == git.default_branch
}

locals {
  stable = git.tag != null && semver_valid(git.tag) && semver_prerelease(git.tag) == ""
}

lint {
  failure_threshold  = "warning"
  ignore             = ["DL3008"]
  trusted_registries = ["ghcr.io", "docker.io"]
  override           = { DL3007 = "error" }
  label_schema       = { "org.opencontainers.image.source" = "url", maintainer = "email" }
  strict_labels      = false
}

image "web" {
  repository = local.web
  context    = "web"
  dockerfile = "web/Dockerfile"
  build_args = { GO_VERSION = "1.26" }
  target     = "runtime"
  platforms  = ["linux/amd64", "linux/arm64/v8"]
  labels     = { "org.opencontainers.image.source" = "https://github.com/acme/web" }
}

tag "release" {
  when = local.stable
  tags = semver_tags(git.tag, registry.versions)
}

tag "main" {
  when = local.on_main
  tags = concat(var.settings.channels, ["sha-${git.short_sha}"])
}

tag "always" {
  tags = ["sha-${git.short_sha}"]
}

check "lint-clean" {
  enforcement_level = "soft-mandatory"
  condition         = lint.errors == 0
  error_message     = "${lint.errors} lint errors"
}

check "advice" {
  enforcement_level = "advisory"
  condition         = lint.warnings < 10
  error_message     = "many warnings"
}

protect "releases" {
  repository = "ghcr.io/acme/*"
  match      = semver_valid(image.tag)
}

prune "ci" {
  repository  = local.web
  match       = startswith(image.tag, "sha-")
  older_than  = "2w"
  keep_latest = var.settings.keep
}

policy {
  min_age       = "36h"
  max_deletions = 100
}
