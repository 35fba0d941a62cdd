image "web" {
  repository = "ghcr.io/acme/web"
}
