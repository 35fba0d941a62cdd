protect "floating" {
  match = contains(["latest", "edge"], imgae.tag)
}
