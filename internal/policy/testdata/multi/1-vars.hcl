variable "registry" {
  default     = "ghcr.io/acme"
  description = "where the images go"
}

variable "keep" {
  type    = number
  default = 10
}

locals {
  stable = git.tag != null && semver_valid(git.tag) && semver_prerelease(git.tag) == ""
}
