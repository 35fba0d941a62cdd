image "web" {
  repository = "ghcr.io/Acme/web:latest"
}
