# Variables of the staging registry: candidates stay longer, to compare.
registry = "registry.acme.internal/staging"

retention = {
  candidates    = 30
  candidate_age = "90d"
}
