package policy

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// The language, block by block. Decoding is written by hand per block (each
// has its own checks), but which attributes exist, which are required, their
// types and when they are evaluated are stated here once.

// when an attribute is evaluated
type attrKind int

const (
	// kindStatic: evaluated once at load time; may use var, static locals
	// and functions, never facts.
	kindStatic attrKind = iota
	// kindDynamic: kept as an expression, type-checked at load time against
	// unknown facts, evaluated per fact set.
	kindDynamic
	// kindConstant: evaluated at load time with functions only (a
	// variable's default).
	kindConstant
	// kindType: a type constraint (a variable's type).
	kindType
)

type attrSpec struct {
	name     string
	kind     attrKind
	typ      cty.Type // the value's type; cty.DynamicPseudoType: any
	required bool
}

type blockSpec struct {
	typ    string
	labels []string // label names, for messages
	attrs  []attrSpec
	blocks []*blockSpec
	// single blocks appear at most once in the whole policy.
	single bool
	// freeform bodies (locals) have any attributes and no blocks.
	freeform bool
}

func (s *blockSpec) attr(name string) (attrSpec, bool) {
	for _, a := range s.attrs {
		if a.name == name {
			return a, true
		}
	}
	return attrSpec{}, false
}

// hclSchema is the body schema of the block. Required attributes are not
// marked so: hcl would point at the opening brace; decodeBody reports them at
// the block header instead.
func (s *blockSpec) hclSchema() *hcl.BodySchema {
	var bs hcl.BodySchema
	for _, a := range s.attrs {
		bs.Attributes = append(bs.Attributes, hcl.AttributeSchema{Name: a.name})
	}
	for _, b := range s.blocks {
		bs.Blocks = append(bs.Blocks, hcl.BlockHeaderSchema{Type: b.typ, LabelNames: b.labels})
	}
	return &bs
}

var (
	stringList = cty.List(cty.String)
	stringMap  = cty.Map(cty.String)
	anyType    = cty.DynamicPseudoType
)

var validationSpec = &blockSpec{
	typ: "validation",
	attrs: []attrSpec{
		{name: "condition", kind: kindStatic, typ: cty.Bool, required: true},
		{name: "error_message", kind: kindStatic, typ: cty.String, required: true},
	},
}

var variableSpec = &blockSpec{
	typ:    "variable",
	labels: []string{"name"},
	attrs: []attrSpec{
		{name: "type", kind: kindType},
		{name: "default", kind: kindConstant, typ: anyType},
		{name: "description", kind: kindConstant, typ: cty.String},
	},
	blocks: []*blockSpec{validationSpec},
}

var localsSpec = &blockSpec{typ: "locals", freeform: true}

var lintSpec = &blockSpec{
	typ:    "lint",
	single: true,
	attrs: []attrSpec{
		{name: "failure_threshold", kind: kindStatic, typ: cty.String},
		{name: "ignore", kind: kindStatic, typ: stringList},
		{name: "trusted_registries", kind: kindStatic, typ: stringList},
		{name: "override", kind: kindStatic, typ: stringMap},
		{name: "label_schema", kind: kindStatic, typ: stringMap},
		{name: "strict_labels", kind: kindStatic, typ: cty.Bool},
	},
}

var imageSpec = &blockSpec{
	typ:    "image",
	labels: []string{"name"},
	attrs: []attrSpec{
		{name: "repository", kind: kindStatic, typ: cty.String, required: true},
		{name: "context", kind: kindStatic, typ: cty.String},
		{name: "dockerfile", kind: kindStatic, typ: cty.String},
		{name: "build_args", kind: kindStatic, typ: stringMap},
		{name: "target", kind: kindStatic, typ: cty.String},
		{name: "platforms", kind: kindStatic, typ: stringList},
		{name: "labels", kind: kindStatic, typ: stringMap},
	},
}

var tagSpec = &blockSpec{
	typ:    "tag",
	labels: []string{"name"},
	attrs: []attrSpec{
		{name: "when", kind: kindDynamic, typ: cty.Bool},
		{name: "tags", kind: kindDynamic, typ: stringList, required: true},
	},
}

var checkSpec = &blockSpec{
	typ:    "check",
	labels: []string{"name"},
	attrs: []attrSpec{
		{name: "enforcement_level", kind: kindStatic, typ: cty.String},
		{name: "condition", kind: kindDynamic, typ: cty.Bool, required: true},
		{name: "error_message", kind: kindDynamic, typ: cty.String, required: true},
	},
}

var protectSpec = &blockSpec{
	typ:    "protect",
	labels: []string{"name"},
	attrs: []attrSpec{
		{name: "repository", kind: kindStatic, typ: cty.String},
		{name: "match", kind: kindDynamic, typ: cty.Bool, required: true},
	},
}

var pruneSpec = &blockSpec{
	typ:    "prune",
	labels: []string{"name"},
	attrs: []attrSpec{
		{name: "repository", kind: kindStatic, typ: cty.String},
		{name: "match", kind: kindDynamic, typ: cty.Bool, required: true},
		// a duration string ("14d") or a number of seconds
		{name: "older_than", kind: kindStatic, typ: anyType},
		{name: "keep_latest", kind: kindStatic, typ: cty.Number},
	},
}

var policySpec = &blockSpec{
	typ:    "policy",
	single: true,
	attrs: []attrSpec{
		{name: "min_age", kind: kindStatic, typ: anyType},
		{name: "max_deletions", kind: kindStatic, typ: cty.Number},
	},
}

// rootSpec is a policy file's top level.
var rootSpec = &blockSpec{
	blocks: []*blockSpec{variableSpec, localsSpec, lintSpec, imageSpec, tagSpec, checkSpec, protectSpec, pruneSpec, policySpec},
}
