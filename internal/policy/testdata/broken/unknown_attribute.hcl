check "lint-clean" {
  condition     = lint.errors == 0
  error_message = "fix lint errors before pushing"
  message       = "fix them"
}
