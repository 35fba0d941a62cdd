package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

var sizeUnits = []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}

// HumanSize formats a byte count as docker does: decimal units, three
// significant digits, no space ("512B", "1.5kB", "12.3MB", "1.23GB").
func HumanSize(n int64) string {
	f := float64(n)
	i := 0
	for f >= 999.5 && i < len(sizeUnits)-1 { // 999.7kB prints as 1MB, not 1e+03kB
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.3g%s", f, sizeUnits[i])
}

// ParseSize reads a size as users write it: a byte count ("1048576") or a
// number with a unit, decimal (kB, MB, GB, TB: powers of 1000) or binary
// (KiB, MiB, GiB, TiB: powers of 1024); case and a space before the unit do
// not matter, and a trailing "B" may be left out ("10G" = "10GB").
func ParseSize(s string) (int64, error) {
	in := strings.TrimSpace(s)
	i := strings.IndexFunc(in, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') })
	num, unit := in, ""
	if i >= 0 {
		num, unit = in[:i], strings.ToLower(strings.TrimSpace(in[i:]))
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("invalid size %q: write a number of bytes, or a number with a unit such as 500MB, 10GB or 2GiB", s)
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
		"ki": 1 << 10, "kib": 1 << 10, "mi": 1 << 20, "mib": 1 << 20, "gi": 1 << 30, "gib": 1 << 30, "ti": 1 << 40, "tib": 1 << 40,
	}
	m, ok := mult[unit]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q; use B, kB, MB, GB, TB or KiB, MiB, GiB, TiB", s, in[i:])
	}
	v := f * m
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return int64(v), nil
}

// ParseDuration is time.ParseDuration that also accepts days and weeks
// ("7d", "2w", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	var total time.Duration
	rest := in
	for _, u := range []struct {
		suffix string
		d      time.Duration
	}{{"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}} {
		i := strings.Index(rest, u.suffix)
		if i < 0 {
			continue
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || i == 0 {
			return 0, fmt.Errorf("invalid duration %q: write it like 168h, 7d, 2w or 90m", s)
		}
		total += time.Duration(n * float64(u.d))
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: write it like 168h, 7d, 2w or 90m", s)
		}
		total += d
	}
	if in == "" {
		return 0, fmt.Errorf("invalid duration %q: write it like 168h, 7d, 2w or 90m", s)
	}
	return total, nil
}

// HumanDuration describes a duration as docker does in "3 minutes ago".
func HumanDuration(d time.Duration) string {
	if seconds := int(d.Seconds()); seconds < 1 {
		return "Less than a second"
	} else if seconds == 1 {
		return "1 second"
	} else if seconds < 60 {
		return fmt.Sprintf("%d seconds", seconds)
	} else if minutes := int(d.Minutes()); minutes == 1 {
		return "About a minute"
	} else if minutes < 60 {
		return fmt.Sprintf("%d minutes", minutes)
	} else if hours := int(d.Hours() + 0.5); hours == 1 {
		return "About an hour"
	} else if hours < 48 {
		return fmt.Sprintf("%d hours", hours)
	} else if hours < 24*7*2 {
		return fmt.Sprintf("%d days", hours/24)
	} else if hours < 24*30*2 {
		return fmt.Sprintf("%d weeks", hours/24/7)
	} else if hours < 24*365*2 {
		return fmt.Sprintf("%d months", hours/24/30)
	}
	return fmt.Sprintf("%d years", int(d.Hours())/24/365)
}

// Ago is "3 minutes ago" for t, "N/A" for the zero time.
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "N/A"
	}
	return HumanDuration(now.Sub(t)) + " ago"
}
