protect "releases" {
  match = semver_okay(image.tag)
}
