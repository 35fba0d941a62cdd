image "web" {
  repository = "ghcr.io/acme/web"
  platforms  = ["linux/amd64", "arm64"]
}
