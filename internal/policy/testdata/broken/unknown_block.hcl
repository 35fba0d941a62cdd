imag "web" {
  repository = "ghcr.io/acme/web"
}
