package exec

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestTail(t *testing.T) {
	var lines []string
	for i := range 30 {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	tests := []struct {
		name   string
		writes []string
		want   []string
	}{
		{"empty", nil, nil},
		{"one line", []string{"hello\n"}, []string{"hello"}},
		{"unterminated", []string{"a\nb"}, []string{"a", "b"}},
		{"split writes", []string{"he", "llo\nwor", "ld\n"}, []string{"hello", "world"}},
		{"crlf", []string{"a\r\nb\r\n"}, []string{"a", "b"}},
		{"keeps the last 20", []string{strings.Join(lines, "\n") + "\n"}, lines[10:]},
		{"last 20 with a partial", []string{strings.Join(lines, "\n")}, lines[10:]},
		{"blank lines kept", []string{"\n\nx\n"}, []string{"", "", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tl tail
			for _, w := range tt.writes {
				if n, err := tl.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := tl.Lines(); !slices.Equal(got, tt.want) {
				t.Errorf("Lines() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTailLongLineBounded(t *testing.T) {
	var tl tail
	tl.Write([]byte(strings.Repeat("x", 100000)))
	got := tl.Lines()
	if len(got) != 1 || len(got[0]) != 4096 {
		t.Fatalf("a 100000-byte line without end kept %d lines, first %d bytes; want 1 of 4096", len(got), len(got[0]))
	}
}
