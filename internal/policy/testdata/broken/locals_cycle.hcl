locals {
  release = local.stable && git.tag != ""
  stable  = local.channel == "stable"
  channel = local.release ? "stable" : "edge"
}

tag "release" {
  when = local.release
  tags = [git.tag]
}
