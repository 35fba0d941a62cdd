tag "edge builds" {
  tags = ["edge"]
}
