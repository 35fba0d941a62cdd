image "web" {
  repository = "ghcr.io/acme/${git.branch}"
}
