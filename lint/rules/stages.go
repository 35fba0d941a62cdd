package rules

import (
	"strconv"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// finalStage is the stage hoist lints as the image: the last one (the
// default target of a build).
func finalStage(f *dockerfile.File) *dockerfile.Stage {
	if f == nil || len(f.Stages) == 0 {
		return nil
	}
	return f.Stages[len(f.Stages)-1]
}

// rootStage is the last stage of s's chain: the one whose FROM names an
// image, scratch, or something unresolved.
func rootStage(s *dockerfile.Stage) *dockerfile.Stage {
	c := s.Chain()
	if len(c) == 0 {
		return nil
	}
	return c[len(c)-1]
}

// chainInstructions returns the instructions of s and the stages it is
// built FROM in build order: the root stage's first, s's last.
func chainInstructions(s *dockerfile.Stage) []*dockerfile.Instruction {
	chain := s.Chain()
	var out []*dockerfile.Instruction
	for i := len(chain) - 1; i >= 0; i-- {
		out = append(out, chain[i].Instructions...)
	}
	return out
}

// chainHas reports whether an instruction named name comes in s before
// `before` (anywhere in s when before is nil or not in s), or in a stage s
// is built FROM.
func chainHas(s *dockerfile.Stage, before *dockerfile.Instruction, name string) bool {
	for i, st := range s.Chain() {
		for _, in := range st.Instructions {
			if i == 0 && in == before {
				break
			}
			if in.Name == name {
				return true
			}
		}
	}
	return false
}

// stageLabel names a stage for messages: "stage build" or "stage 2".
func stageLabel(s *dockerfile.Stage) string {
	if s.Name != "" {
		return "stage " + s.Name
	}
	return "stage " + strconv.Itoa(s.Index)
}
