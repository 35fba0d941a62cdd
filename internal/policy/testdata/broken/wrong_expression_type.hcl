tag "release" {
  when = git.tag != ""
  tags = git.tag
}
