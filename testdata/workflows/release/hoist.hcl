# The policy of testdata/workflows/release.yml: one image, released on version tags.
variable "registry" {
  type        = string
  description = "Where the image goes (the e2e test gives a fresh path on the local registry)."
}

variable "base" {
  type        = string
  description = "The base image reference."
}

lint {
  failure_threshold = "warning"
}

image "app" {
  repository = "${var.registry}/app"
  context    = "."
  build_args = { BASE = var.base }
  labels     = { "org.opencontainers.image.title" = "hoist e2e" }
}

tag "release" {
  when = semver_valid(git.tag) && semver_prerelease(git.tag) == ""
  tags = semver_tags(git.tag, registry.versions)
}

check "lint-clean" {
  condition     = lint.errors == 0
  error_message = "${lint.errors} lint errors: fix them before releasing"
}

check "no-latest-from-prerelease" {
  condition     = git.tag == null || semver_prerelease(git.tag) == "" || !contains(push.tags, "latest")
  error_message = "a prerelease (${git.tag}) must never be tagged latest"
}
