# The policy of testdata/workflows/prune.yml: releases stay, pull-request builds older than an
# hour go, and nothing younger than 30 minutes is ever deleted.
protect "releases" {
  match = semver_valid(image.tag)
}

prune "pull-requests" {
  match      = can(regex("^pr-[0-9]+$", image.tag))
  older_than = "1h"
}

policy {
  min_age       = "30m"
  max_deletions = 10
}
