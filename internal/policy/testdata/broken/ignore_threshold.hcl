lint {
  failure_threshold = "ignore"
}
