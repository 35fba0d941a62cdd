variable "registry" {
  type    = string
  default = "ghcr.io/acme"
}

locals {
  main = git.branch == git.default_branch
}

lint {
  failure_threshold  = "warning"
  ignore             = ["DL3008"]
  override           = { DL3007 = "error" }
  trusted_registries = ["ghcr.io"]
  strict_labels      = true
}

image "web" {
  repository = "${var.registry}/web"
  context    = "web"
  build_args = { GO_VERSION = "1.26" }
  labels     = { "org.opencontainers.image.source" = "https://github.com/acme/web" }
}

tag "main" {
  when = local.main
  tags = ["edge", "sha-${git.short_sha}"]
}

check "no-latest" {
  enforcement_level = "soft-mandatory"
  condition         = !contains(push.tags, "latest")
  error_message     = "never push latest from ${git.branch}"
}

protect "floating" {
  repository = "ghcr.io/acme/*"
  match      = contains(["latest", "edge"], image.tag)
}

prune "pr-builds" {
  match      = can(regex("^pr-[0-9]+$", image.tag))
  older_than = "14d"
}

policy {
  min_age       = "48h"
  max_deletions = 20
}
