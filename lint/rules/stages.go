package rules

import (
	"slices"
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

// inImage reports whether a stage's layers end up in the image of the
// default target: it is the last stage or one the last stage is built on
// (a builder stage whose files are only copied out is not).
func inImage(f *dockerfile.File, st *dockerfile.Stage) bool {
	last := finalStage(f)
	return st != nil && last != nil && slices.Contains(last.Chain(), st)
}

// ships reports whether what a RUN leaves on disk can end up in an image:
// its stage is in the image, or it is an ONBUILD trigger (it runs in the
// images built on this one).
func ships(f *dockerfile.File, in *dockerfile.Instruction) bool {
	return in.Name == "onbuild" || inImage(f, in.Stage)
}

// referencedStages returns the stages that COPY --from and RUN
// --mount=from= read from, named or by index. A reference through a
// variable is expanded with the global ARG defaults; one that stays
// unknown may name any earlier stage.
func referencedStages(f *dockerfile.File) map[*dockerfile.Stage]bool {
	used := map[*dockerfile.Stage]bool{}
	for _, s := range f.Stages {
		for _, in := range s.Instructions {
			for _, ref := range stageRefs(in) {
				if len(dockerfile.VarRefs(ref, f.EscapeToken)) > 0 {
					var unresolved []string
					ref, unresolved = f.Expand(ref, f.Scopes().Global())
					if len(unresolved) > 0 {
						for _, st := range f.Stages[:s.Index] {
							used[st] = true
						}
						continue
					}
				}
				if st := f.FindStage(ref, s.Index); st != nil {
					used[st] = true
				}
			}
		}
	}
	return used
}

// stageRefs returns the stages or images an instruction reads from:
// COPY --from and RUN --mount=...,from=....
func stageRefs(in *dockerfile.Instruction) []string {
	switch in.Name {
	case "copy", "add":
		var refs []string
		for _, fl := range in.Flags {
			if fl.Name == "from" && fl.Value != "" {
				refs = append(refs, fl.Value)
			}
		}
		return refs
	case "run":
		return mountFroms(in)
	}
	return nil
}
