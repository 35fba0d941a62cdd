locals {
  stable = git.tag != ""
}

locals {
  stable = true
}
