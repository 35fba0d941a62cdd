# the same image again, in another file
image "api" {
  repository = "ghcr.io/acme/api"
}

image "web" {
  repository = "ghcr.io/acme/web2"
}
