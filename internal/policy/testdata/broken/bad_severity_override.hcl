lint {
  override = {
    DL3008 = "error"
    DL3018 = "fatal"
  }
}
