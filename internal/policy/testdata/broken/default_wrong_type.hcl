variable "platforms" {
  type    = list(string)
  default = ["linux/amd64", { os = "linux" }]
}
