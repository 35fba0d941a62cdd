package lint

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity is how much a finding matters. The order is hadolint's:
// error > warning > info > style; Ignore turns a rule off.
type Severity int

const (
	Ignore Severity = iota
	Style
	Info
	Warning
	Error
)

// None is the failure threshold that never fails ("none").
const None Severity = Error + 1

var severityNames = map[Severity]string{
	Ignore:  "ignore",
	Style:   "style",
	Info:    "info",
	Warning: "warning",
	Error:   "error",
	None:    "none",
}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads a severity name (as hadolint spells them; "off" is
// accepted for ignore).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "info":
		return Info, nil
	case "style":
		return Style, nil
	case "ignore", "off":
		return Ignore, nil
	case "none":
		return None, nil
	}
	return 0, fmt.Errorf("unknown severity %q: use error, warning, info, style or none", s)
}

func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

func (s *Severity) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	v, err := ParseSeverity(str)
	if err != nil {
		return err
	}
	*s = v
	return nil
}
