# Variables of the production registry: hoist ... --var-file vars/prod.hcl
registry = "registry.acme.internal/prod"

retention = {
  candidates = 5
}
