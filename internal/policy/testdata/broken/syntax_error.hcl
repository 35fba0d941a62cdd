tag "pr" {
  when = git.pr != null
  tags = ["pr-${git.pr}"
}
