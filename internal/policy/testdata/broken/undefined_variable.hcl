variable "registry" {
  default = "ghcr.io/acme"
}

image "web" {
  repository = "${var.regsitry}/web"
}
