lint {
  failure_threshold = "warning"
  ignore            = "DL3008"
}
