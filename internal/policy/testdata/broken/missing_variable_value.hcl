variable "registry" {
  description = "where images go"
}

image "web" {
  repository = "${var.registry}/web"
}
