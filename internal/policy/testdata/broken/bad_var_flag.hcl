# --var replicas=many
variable "replicas" {
  type    = number
  default = 3
}
