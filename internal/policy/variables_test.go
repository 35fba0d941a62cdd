package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

const precedencePolicy = `
variable "registry" {
  default = "from-default"
}
`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVariablePrecedence(t *testing.T) {
	dir := t.TempDir()
	file1 := writeFile(t, dir, "one.hcl", `registry = "from-file-1"`)
	file2 := writeFile(t, dir, "two.hcl.json", `{"registry": "from-file-2"}`)
	nullFile := writeFile(t, dir, "null.hcl", `registry = null`)
	env := func(v string) func(string) string {
		return func(name string) string {
			if name == "HOIST_VAR_registry" {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name       string
		env        string
		files      []string
		flag       string
		want, from string
	}{
		{name: "default", want: "from-default", from: "default"},
		{name: "env over default", env: "from-env", want: "from-env", from: "HOIST_VAR_registry"},
		{name: "empty env is unset", env: "", want: "from-default", from: "default"},
		{name: "file over env", env: "from-env", files: []string{file1}, want: "from-file-1", from: "--var-file " + file1},
		{name: "later file wins", files: []string{file1, file2}, want: "from-file-2", from: "--var-file " + file2},
		{name: "files in the order given", files: []string{file2, file1}, want: "from-file-1", from: "--var-file " + file1},
		{name: "null in a file leaves the value below", env: "from-env", files: []string{nullFile}, want: "from-env", from: "HOIST_VAR_registry"},
		{name: "flag over everything", env: "from-env", files: []string{file1, file2}, flag: "from-flag", want: "from-flag", from: "--var"},
		{name: "flag over default", flag: "from-flag", want: "from-flag", from: "--var"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions()
			opts.Env = env(tt.env)
			opts.VarFiles = tt.files
			if tt.flag != "" {
				opts.Vars = map[string]string{"registry": tt.flag}
			}
			p := mustLoad(t, precedencePolicy, opts)
			v := p.Variables[0]
			if v.Value.AsString() != tt.want || v.Source != tt.from {
				t.Errorf("got %s from %q, want %s from %q", v.Value.GoString(), v.Source, tt.want, tt.from)
			}
		})
	}
}

func TestVariableParsing(t *testing.T) {
	// --var and HOIST_VAR_ values: literal for primitive and untyped
	// variables, HCL for the others.
	tests := []struct {
		typ, raw string
		want     cty.Value
		err      string
	}{
		{typ: "string", raw: "ghcr.io/acme", want: cty.StringVal("ghcr.io/acme")},
		{typ: "string", raw: `"quoted"`, want: cty.StringVal(`"quoted"`)},
		{typ: "string", raw: "${file(\"/etc/passwd\")}", want: cty.StringVal("${file(\"/etc/passwd\")}")},
		{typ: "string", raw: "", want: cty.StringVal("")},
		{typ: "any", raw: "[1, 2]", want: cty.StringVal("[1, 2]")},
		{typ: "number", raw: "42", want: cty.NumberIntVal(42)},
		{typ: "number", raw: "1.5", want: cty.NumberFloatVal(1.5)},
		{typ: "number", raw: "many", err: "a number is required"},
		{typ: "bool", raw: "true", want: cty.True},
		{typ: "bool", raw: "false", want: cty.False},
		{typ: "bool", raw: "yes", err: "a bool is required"},
		{typ: "list(string)", raw: `["linux/amd64", "linux/arm64"]`, want: cty.ListVal([]cty.Value{cty.StringVal("linux/amd64"), cty.StringVal("linux/arm64")})},
		{typ: "list(string)", raw: `[]`, want: cty.ListValEmpty(cty.String)},
		{typ: "list(string)", raw: `linux/amd64`, err: "Variables not allowed"},
		{typ: "list(string)", raw: `["a",`, err: "Missing expression"},
		{typ: "list(number)", raw: `["a"]`, err: "element 0: a number is required"},
		{typ: "map(string)", raw: `{ GO = "1.26" }`, want: cty.MapVal(map[string]cty.Value{"GO": cty.StringVal("1.26")})},
		{typ: "object({ name = string, keep = optional(number, 5) })", raw: `{ name = "x" }`,
			want: cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("x"), "keep": cty.NumberIntVal(5)})},
		{typ: "list(string)", raw: `[upper("a")]`, err: "Function calls not allowed"},
		{typ: "list(string)", raw: `[var.other]`, err: "Variables not allowed"},
	}
	for _, tt := range tests {
		for _, via := range []string{"flag", "env"} {
			t.Run(via+" "+tt.typ+" "+tt.raw, func(t *testing.T) {
				src := `variable "v" { type = ` + tt.typ + ` }`
				opts := testOptions()
				if via == "flag" {
					opts.Vars = map[string]string{"v": tt.raw}
				} else {
					opts.Env = func(name string) string {
						if name == "HOIST_VAR_v" {
							return tt.raw
						}
						return ""
					}
				}
				p, diags := loadString(t, src, opts)
				got := render(diags, p.Files)
				if tt.err != "" {
					if !strings.Contains(got, tt.err) {
						t.Fatalf("want an error with %q, got:\n%s", tt.err, got)
					}
					return
				}
				if via == "env" && tt.raw == "" {
					// empty HOIST_VAR_ is unset: the variable has no value
					if !strings.Contains(got, "No value for required variable") {
						t.Fatalf("got:\n%s", got)
					}
					return
				}
				if len(diags) > 0 {
					t.Fatalf("unexpected:\n%s", got)
				}
				if v := p.Variables[0].Value; !v.RawEquals(tt.want) {
					t.Errorf("got %s, want %s", v.GoString(), tt.want.GoString())
				}
			})
		}
	}
}

func TestVariableErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.hcl", "regsitry = \"x\"\nreplicas = \"many\"\n")
	tests := []struct {
		name string
		src  string
		opts func(*LoadOptions)
		want string
	}{
		{
			name: "undeclared --var",
			src:  precedencePolicy,
			opts: func(o *LoadOptions) { o.Vars = map[string]string{"regstry": "x"} },
			want: "error: Undeclared variable\n  --var sets \"regstry\", but the policy declares no variable \"regstry\". Did you mean \"registry\"?\n",
		},
		{
			name: "undeclared and unsuitable in a var file",
			src:  precedencePolicy + `variable "replicas" { type = number }`,
			opts: func(o *LoadOptions) { o.VarFiles = []string{bad} },
			want: bad + `:1:1: error: Undeclared variable
  The variable file sets "regsitry", but the policy declares no variable "regsitry". Did you mean "registry"?
    1 | regsitry = "x"
      | ^^^^^^^^

` + bad + `:2:12: error: Invalid value for variable
  The value of var.replicas from --var-file ` + bad + ` is not suitable: a number is required.
    2 | replicas = "many"
      |            ^^^^^^
`,
		},
		{
			name: "missing var file",
			src:  precedencePolicy,
			opts: func(o *LoadOptions) { o.VarFiles = []string{filepath.Join(dir, "nope.hcl")} },
			want: "error: Cannot read variable file\n  " + filepath.Join(dir, "nope.hcl") + " does not exist.\n",
		},
		{
			name: "validation with a --var value",
			src: `variable "replicas" {
  type = number
  default = 1
  validation {
    condition     = var.replicas >= 1 && var.replicas <= 10
    error_message = "replicas must be 1 to 10"
  }
}`,
			opts: func(o *LoadOptions) { o.Vars = map[string]string{"replicas": "11"} },
			want: `<--var replicas>:1:1: error: Invalid value for variable
  replicas must be 1 to 10

  var.replicas from --var fails the validation rule at hoist.hcl:5:21.
    1 | 11
      | ^^
hoist.hcl:5:21: note: validation rule
    5 |     condition     = var.replicas >= 1 && var.replicas <= 10
      |                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
`,
		},
		{
			name: "validation that uses facts",
			src: `variable "r" {
  default = "x"
  validation {
    condition     = git.branch == "main"
    error_message = "no"
  }
}`,
			want: `hoist.hcl:4:21: error: Invalid reference in variable validation
  The validation condition of variable "r" can only refer to input variables (var.NAME), not to facts such as git.
    4 |     condition     = git.branch == "main"
      |                     ^^^^^^^^^^
`,
		},
		{
			name: "default with a reference",
			src:  `variable "a" { default = "x" }` + "\n" + `variable "b" { default = var.a }`,
			want: `hoist.hcl:2:26: error: Variables not allowed
  The default of variable "b" must be a constant: it cannot refer to var.
    2 | variable "b" { default = var.a }
      |                          ^^^^^
`,
		},
		{
			name: "invalid variable name",
			src:  `variable "1st" { default = 1 }`,
			want: `hoist.hcl:1:10: error: Invalid name
  "1st" is not a valid variable name: a name starts with a letter or underscore and has only letters, digits, underscores and dashes.
    1 | variable "1st" { default = 1 }
      |          ^^^^^
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			p, diags := loadString(t, tt.src, opts)
			if got := render(diags, p.Files); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestVariablesInExpressions(t *testing.T) {
	p := mustLoad(t, `
variable "registry" { default = "ghcr.io/acme" }
variable "images"   {
  type    = list(string)
  default = ["web", "api"]
}
variable "keep" {
  type    = number
  default = 10
}
variable "nullable" { default = null }
locals {
  web = "${var.registry}/${var.images[0]}"
}
image "web" { repository = local.web }
image "api" { repository = "${var.registry}/${var.images[1]}" }
prune "ci" {
  match       = startswith(image.tag, "sha-")
  keep_latest = var.keep
}
prune "nothing" {
  match      = true
  older_than = var.nullable
}
`, testOptions())
	if p.Images[0].Repository != "ghcr.io/acme/web" || p.Images[1].Repository != "ghcr.io/acme/api" || p.Prunes[0].KeepLatest != 10 {
		t.Errorf("got %+v %+v %+v", p.Images[0], p.Images[1], p.Prunes[0])
	}
	if p.Prunes[1].OlderThan != 0 {
		t.Errorf("a null older_than is unset: %v", p.Prunes[1].OlderThan)
	}
	if !p.Variables[3].Value.IsNull() || p.Variables[3].Source != "default" {
		t.Errorf("null default: %#v", p.Variables[3])
	}
}
