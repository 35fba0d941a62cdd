tag "never" {
  when = null
  tags = ["x"]
}
