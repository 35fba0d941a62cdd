policy {
  min_age       = "24 hours"
  max_deletions = 500
}
