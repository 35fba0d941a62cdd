variable "platforms" {
  type    = list(strin)
  default = ["linux/amd64"]
}
