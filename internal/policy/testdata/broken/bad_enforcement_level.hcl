check "no-latest-from-prerelease" {
  enforcement_level = "mandatory"
  condition         = !contains(push.tags, "latest")
  error_message     = "a prerelease must never be tagged latest"
}
