locals {
  stable = git.tag != ""
}

tag "release" {
  when = local.stabel
  tags = [git.tag]
}
