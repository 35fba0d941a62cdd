package rules

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/hoistci/hoist/lint"
)

var DL3053 = register(&lint.Rule{
	ID:       "DL3053",
	Name:     "label-not-rfc3339",
	Severity: lint.Warning,
	Summary:  "A label of type rfc3339 in the label schema is not an RFC 3339 timestamp",
	Rationale: "The `label-schema` says this label holds a time (`org.opencontainers.image.created`): the OCI " +
		"annotation spec requires RFC 3339, `2024-05-01T12:00:00Z`, so that every tool parses it the same " +
		"way. A date alone, a space instead of `T`, or a missing time zone are not RFC 3339; dates that do " +
		"not exist (02-30) are rejected too. `date -u +%Y-%m-%dT%H:%M:%SZ` prints one. A value that refers to " +
		"a variable (`LABEL x=$VERSION`) is not checked, since build arguments decide it; an empty value is " +
		"left to DL3051. Only top-level LABELs are checked, not ONBUILD LABEL (as hadolint). The finding " +
		"points at the value, also on the continuation lines of a multi-line LABEL.",
	ExampleConfig: "label-schema:\n  org.opencontainers.image.created: rfc3339\n",
	Bad:           "FROM alpine:3.20\nLABEL org.opencontainers.image.created=\"2024-05-01 12:00\"\n",
	Good:          "FROM alpine:3.20\nLABEL org.opencontainers.image.created=2024-05-01T12:00:00Z\n",
	Run: func(p *lint.Pass) {
		checkLabelValues(p, "rfc3339", func(key string) string {
			return "Label `" + key + "` is not a valid time format - must conform to RFC3339."
		}, func(v string) (bool, string) {
			why := rfc3339Problem(v)
			return why == "", why
		})
	},
})

// --- DL3053: RFC 3339 timestamps ---

var rfc3339Re = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-]([0-9]{2}):([0-9]{2}))$`)

func rfc3339Problem(v string) string {
	m := rfc3339Re.FindStringSubmatch(v)
	if m == nil {
		switch {
		case regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`).MatchString(v):
			return fmt.Sprintf("%s is a date without a time: write e.g. %sT00:00:00Z", showValue(v), v)
		case regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:`).MatchString(v):
			return fmt.Sprintf("%s separates date and time with a space: use `T`, e.g. 2024-05-01T12:00:00Z", showValue(v))
		case regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$`).MatchString(v):
			return fmt.Sprintf("%s has no time zone: add `Z` for UTC or an offset such as +01:00", showValue(v))
		}
		return fmt.Sprintf("%s is not of the form 2024-05-01T12:00:00Z (`date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ` prints one)", showValue(v))
	}
	n := make([]int, 11)
	for i, s := range m {
		if i == 0 || i == 7 || i == 8 || s == "" {
			continue
		}
		n[i], _ = strconv.Atoi(s)
	}
	year, month, day := n[1], n[2], n[3]
	switch {
	case month < 1 || month > 12:
		return fmt.Sprintf("%s has no month %02d", showValue(v), month)
	case day < 1 || day > daysIn(year, month):
		return fmt.Sprintf("%s has no day %02d in month %02d", showValue(v), day, month)
	case n[4] > 23 || n[5] > 59 || n[6] > 60:
		return fmt.Sprintf("%s has a time of day out of range", showValue(v))
	case n[9] > 23 || n[10] > 59:
		return fmt.Sprintf("%s has a time zone offset out of range", showValue(v))
	}
	return ""
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
