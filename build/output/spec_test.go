package output

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOutput(t *testing.T) {
	cases := []struct {
		in   string
		want Spec
	}{
		{"type=oci,dest=out.tar", Spec{Type: "oci", Dest: "out.tar"}},
		{"type=oci", Spec{Type: "oci", Dest: "-"}},
		{"type=oci,dest=dir,tar=false", Spec{Type: "oci", Dest: "dir", Attrs: map[string]string{"tar": "false"}}},
		{"type=image,name=a:1,push=true", Spec{Type: "image", Names: []string{"a:1"}, Push: true}},
		{"type=image,name=a:1", Spec{Type: "image", Names: []string{"a:1"}}},
		{"type=registry", Spec{Type: "image", Push: true}},
		{"type=registry,push=false", Spec{Type: "image"}},
		{"type=registry,name=127.0.0.1:5000/app:1", Spec{Type: "image", Names: []string{"127.0.0.1:5000/app:1"}, Push: true}},
		{`type=image,"name=a:1,b:2",push=true`, Spec{Type: "image", Names: []string{"a:1", "b:2"}, Push: true}},
		{`type=image,"name=a:1, b:2,"`, Spec{Type: "image", Names: []string{"a:1", "b:2"}}},
		{"type=image,push=", Spec{Type: "image", Push: true}}, // BuildKit: empty is true
		{"type=local,dest=dir", Spec{Type: "local", Dest: "dir"}},
		{"type=tar,dest=x.tar", Spec{Type: "tar", Dest: "x.tar"}},
		{"type=tar", Spec{Type: "tar", Dest: "-"}},
		{"out", Spec{Type: "local", Dest: "out"}},
		{"./build/out dir", Spec{Type: "local", Dest: "./build/out dir"}},
		{`"out"`, Spec{Type: "local", Dest: "out"}},
		{"-", Spec{Type: "tar", Dest: "-"}},
		{"type=docker,dest=app.tar,name=app:dev", Spec{Type: "docker", Dest: "app.tar", Names: []string{"app:dev"}}},
		{"type=docker", Spec{Type: "docker"}},
		{"type=docker,dest=-", Spec{Type: "docker", Dest: "-"}},
		{"TYPE=oci, Dest=out.tar", Spec{Type: "oci", Dest: "out.tar"}},
		{"type=image,name=a,compression=zstd,compression-level=3,oci-mediatypes=true",
			Spec{Type: "image", Names: []string{"a"}, Attrs: map[string]string{"compression": "zstd", "compression-level": "3", "oci-mediatypes": "true"}}},
		{"type=oci,dest=o.tar,annotation.org.opencontainers.image.title=t,annotation-index.x=y",
			Spec{Type: "oci", Dest: "o.tar", Attrs: map[string]string{"annotation.org.opencontainers.image.title": "t", "annotation-index.x": "y"}}},
		{`type=oci,"dest=a,b.tar"`, Spec{Type: "oci", Dest: "a,b.tar"}},
		{"type=local,dest=out,platform-split=false", Spec{Type: "local", Dest: "out", Attrs: map[string]string{"platform-split": "false"}}},
	}
	for _, c := range cases {
		got, err := ParseOutput(c.in)
		if err != nil {
			t.Errorf("ParseOutput(%q): %v", c.in, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("ParseOutput(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

func TestParseOutputErrors(t *testing.T) {
	cases := []struct {
		in   string
		want []string // substrings of the error
	}{
		{"", []string{"empty --output"}},
		{"type=foo", []string{`unknown type "foo"`, "registry, image, oci, docker, local, tar"}},
		{"dest=out.tar", []string{"type is required"}},
		{"type=oci,dest=o.tar,bogus=1", []string{`does not take "bogus"`, "valid keys: dest, name, tar"}},
		{"type=image,push", []string{`field "push" is not KEY=VALUE`}},
		{"type=image,push=maybe", []string{`push="maybe": want true or false`}},
		{"type=image,dest=x", []string{`does not take "dest"`}},
		{"type=local", []string{"type=local needs dest=DIR"}},
		{"type=local,dest=-", []string{"use type=tar for a stream"}},
		{"type=local,name=a", []string{`does not take "name"`}},
		{"type=image,compression=lz4", []string{`compression="lz4"`, "gzip, zstd, uncompressed"}},
		{"type=image,compression-level=x", []string{"compression-level"}},
		{"type=image,name=UPPER:1", []string{`image name "UPPER:1"`}},
		{`type=oci,"dest=unterminated`, []string{"quote a value"}},
		{"type=tar,annotation.x=y", []string{`does not take "annotation.x"`}},
		{"type=oci,annotation.=y", []string{`does not take "annotation."`}},
	}
	for _, c := range cases {
		_, err := ParseOutput(c.in)
		if err == nil {
			t.Errorf("ParseOutput(%q) accepted it", c.in)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseOutput(%q) = %q, want it to contain %q", c.in, err, w)
			}
		}
	}
}

func TestOCITar(t *testing.T) {
	cases := map[string]bool{
		"type=oci,dest=out.tar":           true,
		"type=oci":                        true, // stdout
		"type=oci,dest=out":               false,
		"type=oci,dest=out,tar=true":      true,
		"type=oci,dest=out.tar,tar=false": false,
		"type=oci,dest=out,tar=":          true,
	}
	for in, want := range cases {
		s, err := ParseOutput(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.OCITar(); got != want {
			t.Errorf("%q: OCITar() = %v, want %v", in, got, want)
		}
	}
}

func TestParseCache(t *testing.T) {
	from := []struct {
		in   string
		want CacheSpec
	}{
		{"type=registry,ref=127.0.0.1:5000/app:cache", CacheSpec{Type: "registry", Ref: "127.0.0.1:5000/app:cache"}},
		{"127.0.0.1:5000/app:cache", CacheSpec{Type: "registry", Ref: "127.0.0.1:5000/app:cache"}},
		{"type=local,src=/tmp/cache", CacheSpec{Type: "local", Src: "/tmp/cache"}},
		{"type=registry,ref=r/app:c,registry.insecure=true", CacheSpec{Type: "registry", Ref: "r/app:c", Attrs: map[string]string{"registry.insecure": "true"}}},
	}
	for _, c := range from {
		got, err := ParseCacheFrom(c.in)
		if err != nil {
			t.Errorf("ParseCacheFrom(%q): %v", c.in, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("ParseCacheFrom(%q) (-want +got):\n%s", c.in, diff)
		}
	}
	to := []struct {
		in   string
		want CacheSpec
	}{
		{"type=registry,ref=r/app:cache,mode=max", CacheSpec{Type: "registry", Ref: "r/app:cache", Mode: "max"}},
		{"type=registry,ref=r/app:cache", CacheSpec{Type: "registry", Ref: "r/app:cache", Mode: "min"}},
		{"type=local,dest=/tmp/c", CacheSpec{Type: "local", Dest: "/tmp/c", Mode: "min"}},
		{"type=inline", CacheSpec{Type: "inline"}},
		{"type=registry,ref=r/a:c,image-manifest=true,ignore-error=true", CacheSpec{Type: "registry", Ref: "r/a:c", Mode: "min", Attrs: map[string]string{"image-manifest": "true", "ignore-error": "true"}}},
		{"r/app:cache", CacheSpec{Type: "registry", Ref: "r/app:cache", Mode: "min"}},
	}
	for _, c := range to {
		got, err := ParseCacheTo(c.in)
		if err != nil {
			t.Errorf("ParseCacheTo(%q): %v", c.in, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("ParseCacheTo(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

func TestParseCacheErrors(t *testing.T) {
	cases := []struct {
		to   bool
		in   string
		want []string
	}{
		{false, "", []string{"empty --cache-from"}},
		{false, "type=gha", []string{`unknown cache type "gha"`, "local, registry"}},
		{false, "type=registry", []string{"needs ref=REF"}},
		{false, "type=local", []string{"needs src=DIR"}},
		{false, "type=local,dest=x", []string{`does not take "dest"`, "valid keys: src"}},
		{false, "type=registry,ref=r/a,mode=max", []string{`does not take "mode"`}},
		{false, "type=inline", []string{"read from the image", "type=registry,ref=IMAGE"}},
		{false, "a/b:1,c/d:2", []string{"one reference per flag"}},
		{false, "ref=r/a", []string{"type is required"}},
		{false, "Not A Ref", []string{"--cache-from"}},
		{true, "type=local,src=x", []string{`does not take "src"`}},
		{true, "type=local", []string{"needs dest=DIR"}},
		{true, "type=registry,ref=r/a,mode=all", []string{`mode="all": use min or max`}},
		{true, "type=inline,mode=max", []string{"takes no attributes"}},
		{true, "type=s3,bucket=b", []string{`unknown cache type "s3"`, "inline, local, registry"}},
		{true, "type=registry,ref=r/a,ignore-error=sometimes", []string{"want true or false"}},
		{true, "type=registry,ref=:bad", []string{`ref=":bad"`}},
	}
	for _, c := range cases {
		parse, flag := ParseCacheFrom, "--cache-from"
		if c.to {
			parse, flag = ParseCacheTo, "--cache-to"
		}
		_, err := parse(c.in)
		if err == nil {
			t.Errorf("%s %q accepted", flag, c.in)
			continue
		}
		for _, w := range append(c.want, flag) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %q: %q does not contain %q", flag, c.in, err, w)
			}
		}
	}
}

func FuzzParseOutput(f *testing.F) {
	for _, s := range []string{"type=oci,dest=out.tar", `type=image,"name=a:1,b:2",push=true`, "-", "dir", "type=registry", `"`, "type=local,dest=", "=,=,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseOutput(s)
		if err != nil {
			return
		}
		switch spec.Type {
		case TypeImage, TypeOCI, TypeDocker, TypeLocal, TypeTar:
		default:
			t.Fatalf("ParseOutput(%q) gave type %q", s, spec.Type)
		}
		if spec.Type == TypeLocal && (spec.Dest == "" || spec.Dest == "-") {
			t.Fatalf("ParseOutput(%q): local with dest %q", s, spec.Dest)
		}
		for _, k := range []string{"type", "dest", "name", "push"} {
			if _, ok := spec.Attrs[k]; ok {
				t.Fatalf("ParseOutput(%q): %s left in Attrs", s, k)
			}
		}
	})
}

func FuzzParseCache(f *testing.F) {
	for _, s := range []string{"type=registry,ref=r/a:c,mode=max", "r/a:c", "type=local,src=d", "type=inline", `"a,b"`, "type=local,dest=d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (CacheSpec, error){ParseCacheFrom, ParseCacheTo} {
			c, err := parse(s)
			if err != nil {
				continue
			}
			switch {
			case c.Type == CacheRegistry && c.Ref == "",
				c.Type == CacheLocal && c.Src == "" && c.Dest == "",
				c.Mode != "" && c.Mode != "min" && c.Mode != "max":
				t.Fatalf("%q parsed to an invalid %+v", s, c)
			}
		}
	})
}
