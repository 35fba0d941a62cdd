package metadata

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hoistci/hoist/internal/policy"
)

// Facts of metadata-action's __tests__/fixtures (event_*.env) and the
// mocked time 2020-01-10T00:30:00Z of __tests__/meta.test.ts.
var (
	now         = time.Date(2020, 1, 10, 0, 30, 0, 0, time.UTC)
	pushMaster  = policy.Git{Ref: "refs/heads/master", SHA: "266574110acf203503badf966df2ea24b5d732d7", Event: "push", DefaultBranch: "master"}
	pushDev     = policy.Git{Ref: "refs/heads/dev", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37", Event: "push", DefaultBranch: "master"}
	pushInvalid = policy.Git{Ref: "refs/heads/my/feature#1245", SHA: "983315b5e8d46e46fc4c49869e85e7ee5fb289ba", Event: "push", DefaultBranch: "master"}
	tagV111     = policy.Git{Ref: "refs/tags/v1.1.1", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37", Event: "push", DefaultBranch: "master"}
	tagBeta     = policy.Git{Ref: "refs/tags/v2.0.8-beta.67", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37", Event: "push", DefaultBranch: "master"}
	tagRC2      = policy.Git{Ref: "refs/tags/20200110-RC2", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37", Event: "push", DefaultBranch: "master"}
	tagP1       = policy.Git{Ref: "refs/tags/p1/v1.0.0", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37", Event: "push", DefaultBranch: "master"}
	pr15        = policy.Git{Ref: "refs/pull/15/merge", SHA: "a9c8c5828b91be19d9728548b24759e352367ef1", Event: "pull_request", DefaultBranch: "master", PR: 15}
	schedule    = policy.Git{Ref: "refs/heads/master", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37", Event: "schedule", DefaultBranch: "master"}
)

type golden struct {
	name      string
	git       policy.Git
	baseRef   string
	yaml      string
	published []string
	want      []string // exact=true (metadata-action)
	wantHoist []string // exact=false; nil means the same as want
}

func tags(list ...string) []string { return list }

var goldens = []golden{
	// README "Basic": default tags.
	{name: "basic-pr", git: pr15, yaml: "images: name/app\n", want: tags("pr-15")},
	{name: "push01-default-branch-dev", git: pushDev, yaml: "images: user/app\n", want: tags("dev")},
	{name: "push03-master", git: pushMaster, yaml: "images: user/app\n", want: tags("master")},
	{name: "basic-tag", git: tagV111, yaml: "images: name/app\n", want: tags("v1.1.1", "latest")},
	{name: "basic-prerelease", git: tagBeta, yaml: "images: name/app\n", want: tags("v2.0.8-beta.67", "latest"), wantHoist: tags("v2.0.8-beta.67")},
	{name: "push02-edge", git: pushMaster, yaml: "tags: type=edge\n", want: tags("edge")},
	{name: "push07-branch-sha", git: pushDev, yaml: "tags: |\n  type=ref,event=branch\n  type=sha\n", want: tags("dev", "sha-860c190")},
	{name: "push09-edge-branch", git: pushDev, yaml: "tags: |\n  type=edge,branch=dev\n  type=sha\n", want: tags("edge", "sha-860c190")},
	{name: "push10-edge-other", git: pushMaster, yaml: "tags: |\n  type=edge,branch=dev\n  type=sha\n", want: tags("sha-2665741")},
	{name: "push11-invalidchars", git: pushInvalid, yaml: "tags: |\n  type=edge\n  type=sha\n", want: tags("sha-983315b")},
	{name: "push13-priority", git: pushMaster, yaml: "tags: |\n  type=ref,priority=2000,event=branch\n  type=edge\n", want: tags("master", "edge")},
	{name: "push14-semver-value", git: pushMaster, yaml: "tags: |\n  type=semver,pattern={{version}},value=v1.2.3\n  type=pep440,pattern={{version}},value=v1.2.3\n  type=edge\n", want: tags("1.2.3", "edge", "latest")},
	{name: "push15-match-value", git: pushMaster, yaml: "tags: |\n  type=match,pattern=v(.*),group=1,value=v1.2.3\n  type=edge\n", want: tags("1.2.3", "edge", "latest")},
	{name: "push16-disabled", git: pushMaster, yaml: "tags: |\n  type=match,enable=false,pattern=v(.*),group=1,value=v1.2.3\n  type=edge\n", want: tags("edge")},
	{name: "push17-expressions", git: pushMaster, yaml: "tags: |\n" +
		"  type=raw,value=mytag-{{branch}}\n" +
		"  type=raw,value=mytag-{{date 'YYYYMMDD'}}\n" +
		"  type=raw,value=mytag-cd-{{commit_date 'YYYYMMDD'}}\n" +
		"  type=raw,value=mytag-{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}\n" +
		"  type=raw,value=mytag-tag-{{tag}}\n" +
		"  type=raw,value=mytag-baseref-{{base_ref}}\n" +
		"  type=raw,value=mytag-defbranch,enable={{is_default_branch}}\n",
		want: tags("mytag-master", "mytag-20200110", "mytag-cd-20200110", "mytag-20200110-093000", "mytag-tag-", "mytag-baseref-", "mytag-defbranch")},
	{name: "push18-sha-long", git: pushDev, yaml: "tags: |\n  type=ref,event=branch\n  type=sha,format=long\n", want: tags("dev", "sha-860c1904a1ce19322e91ac35af1ab07466440c37")},
	{name: "push19-enable-expr", git: pushDev, yaml: "tags: |\n  type=edge,branch=master\n  type=ref,event=branch,enable=false\n  type=sha,format=long\n  type=raw,value=defbranch,enable={{is_default_branch}}\n", want: tags("sha-860c1904a1ce19322e91ac35af1ab07466440c37")},
	{name: "tag03-match", git: tagRC2, yaml: "tags: type=match,pattern=\\d{8}\nflavor: latest=false\n", want: tags("20200110")},
	{name: "tag04-match-group", git: tagRC2, yaml: "tags: type=match,pattern=(.*)-RC,group=1\nflavor: latest=false\n", want: tags("20200110")},
	{name: "tag06-match-quoted", git: tagV111, yaml: "tags: |\n  type=match,\"pattern=^v(\\d.\\d.\\d)$\",group=1\n", want: tags("1.1.1", "latest")},
	{name: "tag09-match-groups", git: tagBeta, yaml: "tags: |\n  type=match,\"pattern=v(.*)-beta.(.*)\",group=1\n  type=match,\"pattern=v(.*)-beta.(.*)\",group=2\n", want: tags("2.0.8", "67", "latest"), wantHoist: tags("2.0.8", "67")},
	{name: "tag11-semver", git: tagV111, yaml: "tags: |\n  type=semver,pattern={{version}}\n  type=semver,pattern={{major}}.{{minor}}\n  type=semver,pattern={{major}}\n", want: tags("1.1.1", "1.1", "1", "latest")},
	{name: "tag12-semver-same", git: tagV111, yaml: "tags: |\n  type=semver,pattern={{version}}\n  type=semver,pattern={{major}}.{{minor}}.{{patch}}\n", want: tags("1.1.1", "latest")},
	{name: "tag13-prerelease", git: tagBeta, yaml: "tags: |\n  type=semver,pattern={{major}}.{{minor}}\n  type=semver,pattern={{major}}\n", want: tags("2.0.8-beta.67")},
	{name: "tag15-raw-first", git: tagBeta, yaml: "tags: |\n  type=raw,priority=2000,foo\n  type=semver,pattern={{version}}\n  type=match,\"pattern=\\d.\\d\"\n", want: tags("foo", "2.0.8-beta.67", "2.0")},
	{name: "tag17-match-regex-literal", git: tagP1, yaml: "tags: |\n  type=match,\"pattern=/^v(\\d.\\d.\\d)$/ig\",group=1\n  type=match,pattern=\\d.\\d.\\d\n  type=match,pattern=\\d.\\d\n  type=ref,event=pr\n  type=sha\n", want: tags("1.0.0", "1.0", "sha-860c190", "latest")},
	{name: "tag19-flavor-suffix", git: tagP1, yaml: "tags: |\n  type=match,pattern=p1/v(\\d.\\d.\\d),group=1\n  type=match,pattern=p1/v(\\d.\\d),group=1,suffix=\n  type=ref,event=pr\n  type=sha\nflavor: suffix=-dev\n", want: tags("1.0.0-dev", "1.0", "sha-860c190-dev", "latest")},
	{name: "tag20-base-ref", git: tagV111, baseRef: "refs/heads/master", yaml: "tags: |\n  type=raw,{{tag}}-{{sha}}-foo\n  type=raw,{{base_ref}}-foo\n  type=raw,defbranch-foo,enable={{is_default_branch}}\n", want: tags("v1.1.1-860c190-foo", "master-foo")},
	{name: "flavor-prefix-onlatest", git: tagV111, yaml: "tags: type=semver,pattern={{version}}\nflavor: |\n  latest=true\n  prefix=app-,onlatest=true\n  suffix=-slim\n", want: tags("app-1.1.1-slim", "app-latest")},
	{name: "flavor-latest-false", git: tagV111, yaml: "tags: type=semver,pattern={{version}}\nflavor: latest=false\n", want: tags("1.1.1")},
	{name: "schedule-nightly", git: schedule, yaml: "tags: |\n  type=schedule\n  type=ref,event=branch\n", want: tags("nightly", "master")},
	{name: "schedule-date", git: schedule, yaml: "tags: type=schedule,pattern={{date 'YYYYMMDD'}}\n", want: tags("20200110")},
	{name: "schedule-tz", git: schedule, yaml: "tags: \"type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}\"\n", want: tags("20200110-093000")},
	{name: "pep440-rc", git: policy.Git{Ref: "refs/tags/1.2.3rc2", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37"}, yaml: "tags: type=pep440,pattern={{major}}.{{minor}}\n", want: tags("1.2.3rc2")},
	{name: "pep440-post", git: policy.Git{Ref: "refs/tags/1.2.3post1"}, yaml: "tags: type=pep440,pattern={{major}}.{{minor}}\n", want: tags("1.2.3.post1")},
	{name: "pep440-release", git: policy.Git{Ref: "refs/tags/v1.2.3"}, yaml: "tags: |\n  type=pep440,pattern={{version}}\n  type=pep440,pattern=v{{major}}\n", want: tags("1.2.3", "v1", "latest")},
	{name: "raw-latest-default-branch", git: pushMaster, yaml: "tags: |\n  type=raw,value=latest,enable={{is_default_branch}}\n  type=ref,event=branch\n", want: tags("master", "latest")},
	{name: "release-prerelease-v2-rc", git: policy.Git{Ref: "refs/tags/v2.0.0-rc.1"}, yaml: "tags: |\n  type=semver,pattern={{version}}\n  type=semver,pattern={{major}}.{{minor}}\n  type=semver,pattern={{major}}\n", published: []string{"1.9.0"}, want: tags("2.0.0-rc.1")},
	// The deliberate difference: a backport.
	{name: "backport-1.9.1", git: policy.Git{Ref: "refs/tags/v1.9.1"}, yaml: "tags: |\n  type=semver,pattern={{version}}\n  type=semver,pattern={{major}}.{{minor}}\n  type=semver,pattern={{major}}\n", published: []string{"2.0.0", "1.9.0"},
		want: tags("1.9.1", "1.9", "1", "latest"), wantHoist: tags("1.9.1", "1.9", "1")},
	{name: "backport-1.8.5", git: policy.Git{Ref: "refs/tags/v1.8.5"}, yaml: "tags: |\n  type=semver,pattern={{version}}\n  type=semver,pattern={{major}}.{{minor}}\n  type=semver,pattern={{major}}\n", published: []string{"2.0.0", "1.9.1", "1.8.4"},
		want: tags("1.8.5", "1.8", "1", "latest"), wantHoist: tags("1.8.5", "1.8")},
	{name: "zero-major", git: policy.Git{Ref: "refs/tags/v0.3.0"}, yaml: "tags: |\n  type=semver,pattern={{version}}\n  type=semver,pattern={{major}}.{{minor}}\n  type=semver,pattern={{major}}\n",
		want: tags("0.3.0", "0.3", "0", "latest"), wantHoist: tags("0.3.0", "0.3", "latest")},
	{name: "sanitise-and-html-escape", git: policy.Git{Ref: "refs/heads/feat/a&b", DefaultBranch: "main"}, yaml: "tags: |\n  type=ref,event=branch\n  type=raw,value=x-{{branch}}\n", want: tags("feat-a-b", "x-feat-a-amp-b")},
	{name: "oci-length", git: pushMaster, yaml: "tags: type=raw,value=-" + strings.Repeat("a", 140) + "\n", want: tags(strings.Repeat("a", 128))},
	{name: "workflow-step", git: pushMaster, yaml: "jobs:\n  b:\n    steps:\n      - uses: actions/checkout@v4\n      - id: meta\n        uses: docker/metadata-action@v5\n        with:\n          images: |\n            ghcr.io/o/app\n          tags: |\n            # comment line\n            type=ref,event=branch # trailing\n            type=sha\n", want: tags("master", "sha-2665741")},
}

func TestGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			in, err := ParseInputs(strings.NewReader(g.yaml))
			if err != nil {
				t.Fatal(err)
			}
			c := Context{Git: g.git, Now: now, BaseRef: g.baseRef}
			for _, exact := range []bool{true, false} {
				want := g.want
				if !exact && g.wantHoist != nil {
					want = g.wantHoist
				}
				res, err := Tags(in, c, g.published, exact)
				if err != nil {
					t.Fatalf("exact=%t: %v", exact, err)
				}
				if diff := cmp.Diff(want, res.Tags); diff != "" {
					t.Errorf("exact=%t (-want +got):\n%s\ndecisions:\n%s", exact, diff, strings.Join(res.Decisions, "\n"))
				}
				if res.Version != want[0] {
					t.Errorf("exact=%t: version %q, want %q", exact, res.Version, want[0])
				}
			}
		})
	}
}

func TestNoTags(t *testing.T) {
	in, err := ParseInputs(strings.NewReader("tags: |\n  type=semver,pattern={{version}}\n  type=edge\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Tags(in, Context{Git: pushInvalid}, nil, false)
	if !errors.Is(err, policy.ErrNoTag) || res == nil || len(res.Decisions) != 2 {
		t.Fatalf("err %v, res %+v", err, res)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"tags: |\n  type=ref,event=branch\n  type=bogus\n", `line 3: tags entry "type=bogus": unknown type "bogus"`},
		{"tags: |\n  type=semver\n", "line 2: tags entry \"type=semver\": type=semver needs a pattern"},
		{"tags: |\n  type=ref\n", "needs event=branch"},
		{"tags: |\n  type=sha,format=medium\n", "format must be short or long"},
		{"tags: |\n  type=raw,value=x,priority=high\n", "priority must be a whole number"},
		{"flavor: |\n  latest=sometimes\n", "line 2: flavor entry"},
		{"flavor: |\n  nope=1\n", "unknown key \"nope\""},
		{"images: |\n  name=a,enable=maybe\n", "enable must be true or false"},
		{"tags: |\n  type=raw,value=${{ github.sha }}\n", "line 2: \"type=raw,value=${{ github.sha }}\" uses a GitHub Actions expression"},
		{"tags: |\n  type=raw,\"value=x\n", "line 2: the quote that opens a field is never closed"},
		{"tags: |\n  type=raw,value={{date 'YYYY'\n", "never closed"},
		{"tagz: x\n", "found neither"},
		{"tags: a\ntagz: x\n", `"tagz" is not an input`},
		{"- a\n", "must be a mapping"},
		{"", "empty"},
	} {
		_, err := ParseInputs(strings.NewReader(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.yaml, err, tc.want)
		}
	}
}

func TestEnableMustBeBoolean(t *testing.T) {
	in, err := ParseInputs(strings.NewReader("tags: type=raw,value=x,enable={{branch}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Tags(in, Context{Git: pushMaster}, nil, true); err == nil || !strings.Contains(err.Error(), `enable must give true or false, but gives "master"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestImages(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want []Image
	}{
		{"images: name/app,ghcr.io/name/app\n", []Image{{"name/app", true, 1}, {"ghcr.io/name/app", true, 1}}},
		{"images: |\n  org/app\n  name=ghcr.io/user/app,enable=false\n", []Image{{"org/app", true, 2}, {"ghcr.io/user/app", false, 3}}},
	} {
		in, err := ParseInputs(strings.NewReader(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, in.Images); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.yaml, diff)
		}
	}
}

func TestMomentFormat(t *testing.T) {
	tm := time.Date(2020, 1, 10, 15, 25, 50, 123456789, time.UTC)
	for f, want := range map[string]string{
		"YYYYMMDD":                      "20200110",
		"dddd, MMMM Do YYYY, h:mm:ss a": "Friday, January 10th 2020, 3:25:50 pm",
		"YYYY-MM-DDTHH:mm:ss.SSS[Z]":    "2020-01-10T15:25:50.123Z",
	} {
		if got := momentFormat(tm, f); got != want {
			t.Errorf("%q: %q, want %q", f, got, want)
		}
	}
}

func FuzzParseInputs(f *testing.F) {
	for _, g := range goldens {
		f.Add(g.yaml)
	}
	f.Add("tags: |\n  \"type=raw,\"\"a\"\"\",x\n")
	f.Add("flavor: prefix=a,onlatest=true,suffix=b,onlatest=false\n")
	f.Add("tags: type=raw,value={{{branch}}}\\{{x}}{{!c}}\n")
	f.Fuzz(func(t *testing.T, s string) {
		in, err := ParseInputs(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, exact := range []bool{true, false} {
			res, err := Tags(in, Context{Git: tagV111, Now: now}, []string{"2.0.0"}, exact)
			if err != nil {
				continue
			}
			for _, tag := range res.Tags {
				if tag == "" || len(tag) > 128 || strings.Trim(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" || tag[0] == '.' || tag[0] == '-' {
					t.Fatalf("tag %q is not an OCI tag", tag)
				}
			}
		}
	})
}
