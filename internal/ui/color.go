// Package ui holds terminal concerns: whether to use colour, TTY detection.
package ui

import (
	"fmt"
	"os"
)

// ColorMode is --color's value.
type ColorMode string

const (
	ColorAuto   ColorMode = "auto"
	ColorAlways ColorMode = "always"
	ColorNever  ColorMode = "never"
)

// ParseColorMode validates a --color value.
func ParseColorMode(s string) (ColorMode, error) {
	switch ColorMode(s) {
	case ColorAuto, ColorAlways, ColorNever:
		return ColorMode(s), nil
	}
	return "", fmt.Errorf("invalid --color %q: use auto, always or never", s)
}

// UseColor decides colour for output written to f: never/always win; auto
// means colour when f is a terminal, NO_COLOR is unset or empty, and TERM
// is not "dumb".
func UseColor(mode ColorMode, f *os.File, getenv func(string) string) bool {
	switch mode {
	case ColorAlways:
		return true
	case ColorNever:
		return false
	}
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	return IsTerminal(f)
}

// IsTerminal reports whether f is a character device (a terminal).
func IsTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	return st.Mode()&os.ModeCharDevice != 0
}
