lint {
  failure_threshold = "warning"
}

lint {
  ignore = ["DL3008"]
}
