check "lint-clean" {
  condition = lint.errors == 0
}
