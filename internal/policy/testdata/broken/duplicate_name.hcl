tag "main" {
  when = git.branch == git.default_branch
  tags = ["edge"]
}

tag "main" {
  when = git.branch == "main"
  tags = ["main"]
}
