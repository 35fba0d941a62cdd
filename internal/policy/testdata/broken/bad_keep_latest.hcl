prune "ci-builds" {
  match       = startswith(image.tag, "sha-")
  keep_latest = 2.5
}
