variable "registry" {
  default = "docker.io/acme"

  validation {
    condition     = startswith(var.registry, "ghcr.io/")
    error_message = "images go to ghcr.io, not ${var.registry}"
  }
}
