locals {
  web = "${var.registry}/web"
}

image "web" {
  repository = local.web
  platforms  = ["linux/amd64", "linux/arm64/v8"]
}

tag "release" {
  when = local.stable
  tags = semver_tags(git.tag, registry.versions)
}
