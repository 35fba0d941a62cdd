package dockerfile

import (
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Stage is one build stage: a FROM and the instructions after it.
type Stage struct {
	Index int
	// From is the FROM instruction that opens the stage.
	From *Instruction
	// Name is the stage name after AS, as written ("" when unnamed).
	Name string
	// BaseName is the image or stage after FROM, as written ("${BASE}:${TAG}").
	BaseName string
	// Base is BaseName with the global ARG defaults (and the automatic
	// platform ARGs) expanded.
	Base string
	// Unresolved lists the variables in BaseName that have no value: an ARG
	// declared without default, or not declared at all. Rules must not guess
	// the image when it is non-empty.
	Unresolved []string
	// Platform is the --platform flag value as written.
	Platform string
	// BaseStage is the earlier stage this one is built on, when FROM names one.
	BaseStage *Stage
	// Instructions are the stage's instructions after FROM.
	Instructions []*Instruction

	chain []*Stage // Chain's result, computed by Parse
}

// Chain returns the stage and the stages it is built FROM, nearest first:
// the last one is built on an image, scratch or an unresolved name. The
// slice is shared (Parse computes it once per stage, as many rules ask
// for it): do not change it.
func (s *Stage) Chain() []*Stage {
	if s.chain != nil {
		return s.chain
	}
	return s.walkChain()
}

func (s *Stage) walkChain() []*Stage {
	var out []*Stage
	var seen map[*Stage]bool // for long chains: a linear search each step made them quadratic
	for cur := s; cur != nil; cur = cur.BaseStage {
		if seen == nil && len(out) < 16 {
			if slices.Contains(out, cur) {
				break
			}
		} else {
			if seen == nil {
				seen = make(map[*Stage]bool, 2*len(out))
				for _, x := range out {
					seen[x] = true
				}
			}
			if seen[cur] {
				break
			}
			seen[cur] = true
		}
		out = append(out, cur)
	}
	return out
}

// IsScratch reports whether the stage itself (not through another stage)
// is built FROM scratch.
func (s *Stage) IsScratch() bool {
	return s != nil && s.BaseStage == nil && len(s.Unresolved) == 0 && strings.EqualFold(strings.TrimSpace(s.Base), "scratch")
}

// DisplayName is the stage name, or its index when it has none.
func (s *Stage) DisplayName() string {
	if s.Name != "" {
		return s.Name
	}
	return "stage " + strconv.Itoa(s.Index)
}

// Image returns the base image reference when the stage is built on an image
// whose name is fully known (not on another stage, not "scratch").
func (s *Stage) Image() (ImageRef, bool) {
	if s.BaseStage != nil || len(s.Unresolved) > 0 || s.Base == "" || strings.EqualFold(s.Base, "scratch") {
		return ImageRef{}, false
	}
	return ParseImageRef(s.Base), true
}

// BaseWord returns the FROM word holding the base name (for positions).
func (s *Stage) BaseWord() Word {
	ws := s.From.Words()
	if len(ws) == 0 {
		return Word{Text: "", Offset: s.From.ArgsOffset, Range: s.From.KeywordRange()}
	}
	return ws[0]
}

// NameWord returns the FROM word holding the stage name, if any.
func (s *Stage) NameWord() (Word, bool) {
	ws := s.From.Words()
	if len(ws) >= 3 {
		return ws[2], true
	}
	return Word{}, false
}

// FindStage returns the stage a --from value or FROM refers to among the
// stages before index before (all stages when before < 0): by name (case
// insensitive, as BuildKit) or by index.
func (f *File) FindStage(ref string, before int) *Stage {
	limit := len(f.Stages)
	if before >= 0 && before < limit {
		limit = before
	}
	for _, s := range f.Stages[:limit] {
		if s.Name != "" && strings.EqualFold(s.Name, ref) {
			return s
		}
	}
	if n, ok := atoi(ref); ok && n >= 0 && n < limit {
		return f.Stages[n]
	}
	return nil
}

// resolveStages fills names, bases and stage links.
func (f *File) resolveStages() {
	for _, s := range f.Stages {
		if st, ok := s.From.Typed.(*instructions.Stage); ok {
			s.Name = st.Name
			s.BaseName = st.BaseName
			s.Platform = st.Platform
		} else {
			ws := s.From.Words()
			if len(ws) > 0 {
				s.BaseName = ws[0].Text
			}
			if len(ws) >= 3 && strings.EqualFold(ws[1].Text, "as") {
				s.Name = strings.ToLower(ws[2].Text)
			}
		}
		// BuildKit lower-cases stage names; keep the spelling as written for messages.
		if w, ok := s.NameWord(); ok && strings.EqualFold(w.Text, s.Name) {
			s.Name = w.Text
		}
	}
	// The names come first: TARGETSTAGE, in the global scope, is the last one.
	env := f.GlobalEnv(nil)
	for _, s := range f.Stages {
		s.Base, s.Unresolved = f.Expand(s.BaseName, env)
		if len(s.Unresolved) == 0 {
			// FROM names earlier stages by name only (COPY --from also
			// takes an index; FROM 0 is an image called "0").
			for _, prev := range f.Stages[:s.Index] {
				if prev.Name != "" && strings.EqualFold(prev.Name, s.Base) {
					s.BaseStage = prev
				}
			}
		}
		// A base stage comes earlier, so its chain is known: asked for
		// each stage by many rules, a walk each time made long chains of
		// stages quadratic in time and memory.
		if s.BaseStage != nil && s.BaseStage.chain != nil {
			s.chain = append([]*Stage{s}, s.BaseStage.chain...)
		} else {
			s.chain = s.walkChain()
		}
	}
}

func atoi(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil
}
