package registry

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func parsePlatforms(s string) []*v1.Platform {
	var ps []*v1.Platform
	for _, f := range strings.Fields(s) {
		if f == "-" {
			ps = append(ps, nil) // a child without a platform
			continue
		}
		parts := strings.Split(f, "/")
		p := &v1.Platform{OS: parts[0], Architecture: parts[1]}
		if len(parts) > 2 {
			p.Variant = parts[2]
		}
		ps = append(ps, p)
	}
	return ps
}

// The cases follow containerd's platforms.Only (compare_test.go) as BuildKit
// applies it to base images.
func TestBestPlatform(t *testing.T) {
	for _, tc := range []struct {
		want       string
		candidates string
		best       int // -1: none
	}{
		{"linux/amd64", "linux/arm64 linux/amd64", 1},
		{"linux/amd64", "linux/386", 0},                              // amd64 runs 386
		{"linux/amd64", "linux/amd64 linux/386", 0},                  // exact first
		{"linux/amd64", "linux/386 linux/amd64", 1},                  // exact first, whatever the order
		{"linux/amd64/v3", "linux/amd64/v2 linux/amd64/v3", 1},       // exact
		{"linux/amd64/v3", "linux/amd64 linux/amd64/v2", 1},          // v2 before v1
		{"linux/amd64/v2", "linux/amd64/v3", -1},                     // v2 cannot run v3
		{"linux/x86_64", "linux/amd64", 0},                           // normalised
		{"linux/arm64", "linux/arm64/v8", 0},                         // v8 is the default
		{"linux/arm64/v8", "linux/arm64", 0},                         // and the reverse
		{"linux/aarch64", "linux/arm64", 0},                          //
		{"linux/arm64", "linux/arm/v7 linux/arm64", 1},               // 64 bit first
		{"linux/arm64", "linux/arm/v6 linux/arm/v7", 1},              // then arm/v8..v5, best first
		{"linux/arm64/v8.2", "linux/arm64/v8.1 linux/arm64/v8.3", 0}, // v8.3 too new
		{"linux/arm64/v9", "linux/arm64/v8.5 linux/arm64/v8.6", 0},   // v9.0 runs up to v8.5
		{"linux/arm", "linux/arm/v6 linux/arm/v7", 1},                // arm is arm/v7
		{"linux/arm/v7", "linux/arm", 0},                             //
		{"linux/arm/v7", "linux/arm/v5 linux/arm/v6", 1},             // v6 before v5
		{"linux/arm/v6", "linux/arm/v7", -1},                         // v6 cannot run v7
		{"linux/arm/v5", "linux/arm/v6 linux/arm/v7", -1},            //
		{"linux/armhf", "linux/arm/v7", 0},                           //
		{"linux/amd64", "windows/amd64 linux/amd64", 1},              // OS first
		{"linux/amd64", "darwin/amd64", -1},                          //
		{"linux/s390x", "linux/amd64 linux/arm64 unknown/unknown", -1},
		{"linux/amd64", "- unknown/unknown linux/amd64", 2},
		{"/amd64", "linux/amd64", 0}, // empty OS is linux
		{"linux/AMD64", "linux/amd64", 0},
	} {
		wantParts := strings.Split(tc.want, "/")
		want := v1.Platform{OS: wantParts[0], Architecture: wantParts[1]}
		if len(wantParts) > 2 {
			want.Variant = wantParts[2]
		}
		if got := bestPlatform(want, parsePlatforms(tc.candidates)); got != tc.best {
			t.Errorf("best for %s among [%s] = %d, want %d", tc.want, tc.candidates, got, tc.best)
		}
	}
}

func TestBestPlatformOSFeatures(t *testing.T) {
	plain := &v1.Platform{OS: "windows", Architecture: "amd64"}
	featured := &v1.Platform{OS: "windows", Architecture: "amd64", OSFeatures: []string{"win32k"}}
	want := v1.Platform{OS: "windows", Architecture: "amd64", OSFeatures: []string{"win32k"}}
	if got := bestPlatform(want, []*v1.Platform{plain, featured}); got != 1 {
		t.Errorf("with features wanted, best = %d, want the featured child", got)
	}
	if got := bestPlatform(v1.Platform{OS: "windows", Architecture: "amd64"}, []*v1.Platform{featured, plain}); got != 1 {
		t.Errorf("without features wanted, best = %d, want the plain child", got)
	}
}
