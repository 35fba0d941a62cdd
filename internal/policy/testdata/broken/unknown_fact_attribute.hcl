tag "release" {
  when = git.tagg != ""
  tags = [git.tag]
}
