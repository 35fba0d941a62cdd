locals {
  suffix = git.branch == "main" ? "" : "-dev"
}

image "web" {
  repository = "ghcr.io/acme/web${local.suffix}"
}
