package ui

import (
	"strings"
	"testing"
	"time"
)

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0B", 999: "999B", 1000: "1kB", 1536: "1.54kB", 12_345_678: "12.3MB",
		999_700: "1MB", 1_230_000_000: "1.23GB", 5 << 40: "5.5TB",
	} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "1048576": 1048576, "10GB": 10_000_000_000, "10gb": 10_000_000_000, "10 GB": 10_000_000_000,
		"10G": 10_000_000_000, "500MB": 500_000_000, "1.5kB": 1500, "2GiB": 2 << 30, "512KiB": 512 << 10, "3b": 3,
	} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GB", "ten", "10XB", "1e3", "-5MB", "99999999999EB"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		} else if !strings.Contains(err.Error(), in) {
			t.Errorf("ParseSize(%q) error does not quote the input: %v", in, err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"168h": 168 * time.Hour, "7d": 7 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "1d12h": 36 * time.Hour,
		"90m": 90 * time.Minute, "0": 0, "1.5d": 36 * time.Hour,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "7x", "soon", "3d2w"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %s, want an error", in, got)
		}
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		0: "Less than a second ago", 30 * time.Second: "30 seconds ago", time.Minute: "About a minute ago",
		3 * time.Minute: "3 minutes ago", 90 * time.Minute: "2 hours ago", 47 * time.Hour: "47 hours ago",
		10 * 24 * time.Hour: "10 days ago", 3 * 7 * 24 * time.Hour: "3 weeks ago", 100 * 24 * time.Hour: "3 months ago",
		3 * 365 * 24 * time.Hour: "3 years ago",
	} {
		if got := Ago(now.Add(-d), now); got != want {
			t.Errorf("Ago(-%s) = %q, want %q", d, got, want)
		}
	}
	if got := Ago(time.Time{}, now); got != "N/A" {
		t.Errorf("Ago(zero) = %q", got)
	}
}
