package faultproxy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Problem is a reference in a repository that leads nowhere: a tag whose
// manifest, child manifest or blob is missing or unreadable.
type Problem struct {
	Tag    string
	Digest string // what is missing or wrong
	What   string
}

func (p Problem) String() string {
	return fmt.Sprintf("tag %s: %s %s", p.Tag, p.What, p.Digest)
}

// State is what a repository holds: each tag and the digest of the
// manifest it points at.
type State struct {
	Tags map[string]string
}

// Digests are the distinct manifest digests the tags point at, sorted.
func (s *State) Digests() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range s.Tags {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

const manifestAccept = "application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json," +
	"application/vnd.docker.distribution.manifest.list.v2+json,application/vnd.docker.distribution.manifest.v2+json"

var inspectClient = &http.Client{Transport: &http.Transport{Proxy: nil, DisableCompression: true}}

// Inspect reads repository repo of the plain-HTTP registry at host
// directly (anonymous): every tag (all pages), each tag's manifest (its
// content checked against its digest), each child of an index, and a HEAD
// of every blob they reference. It returns the tags and the problems
// found; err is set only when the repository cannot be read at all. A
// repository that does not exist has no tags.
func Inspect(ctx context.Context, host, repo string) (*State, []Problem, error) {
	st := &State{Tags: map[string]string{}}
	tags, err := listTags(ctx, host, repo)
	if err != nil {
		return nil, nil, err
	}
	var probs []Problem
	checked := map[string][]Problem{}
	for _, tag := range tags {
		body, dg, code, err := getManifest(ctx, host, repo, tag)
		if err != nil {
			return nil, nil, err
		}
		if code == http.StatusNotFound {
			probs = append(probs, Problem{Tag: tag, What: "listed, but its manifest is missing"})
			continue
		}
		if code != http.StatusOK {
			return nil, nil, fmt.Errorf("GET manifest %s:%s: %d", repo, tag, code)
		}
		st.Tags[tag] = dg
		if got := digestOf(body); got != dg {
			probs = append(probs, Problem{Tag: tag, Digest: dg, What: "manifest content does not match its digest " + got + ":"})
		}
		if ps, ok := checked[dg]; ok {
			probs = append(probs, retag(ps, tag)...)
			continue
		}
		ps, err := checkManifest(ctx, host, repo, tag, body, 0)
		if err != nil {
			return nil, nil, err
		}
		checked[dg] = ps
		probs = append(probs, ps...)
	}
	return st, probs, nil
}

func retag(ps []Problem, tag string) []Problem {
	out := make([]Problem, len(ps))
	for i, p := range ps {
		p.Tag = tag
		out[i] = p
	}
	return out
}

type descriptor struct {
	MediaType string   `json:"mediaType"`
	Digest    string   `json:"digest"`
	URLs      []string `json:"urls"`
}

type manifestDoc struct {
	MediaType string       `json:"mediaType"`
	Config    *descriptor  `json:"config"`
	Layers    []descriptor `json:"layers"`
	Manifests []descriptor `json:"manifests"`
}

func checkManifest(ctx context.Context, host, repo, tag string, body []byte, depth int) ([]Problem, error) {
	var m manifestDoc
	if err := json.Unmarshal(body, &m); err != nil {
		return []Problem{{Tag: tag, What: "manifest is not JSON: " + err.Error()}}, nil
	}
	var probs []Problem
	if m.Config != nil {
		ok, err := headBlob(ctx, host, repo, m.Config.Digest)
		if err != nil {
			return nil, err
		}
		if !ok {
			probs = append(probs, Problem{Tag: tag, Digest: m.Config.Digest, What: "config blob missing:"})
		}
	}
	for _, l := range m.Layers {
		if len(l.URLs) > 0 {
			continue // a foreign layer lives elsewhere
		}
		ok, err := headBlob(ctx, host, repo, l.Digest)
		if err != nil {
			return nil, err
		}
		if !ok {
			probs = append(probs, Problem{Tag: tag, Digest: l.Digest, What: "layer blob missing:"})
		}
	}
	for _, c := range m.Manifests {
		if depth > 4 {
			break
		}
		cb, dg, code, err := getManifest(ctx, host, repo, c.Digest)
		if err != nil {
			return nil, err
		}
		if code != http.StatusOK {
			probs = append(probs, Problem{Tag: tag, Digest: c.Digest, What: fmt.Sprintf("child manifest missing (%d):", code)})
			continue
		}
		if got := digestOf(cb); got != c.Digest || (dg != "" && dg != c.Digest) {
			probs = append(probs, Problem{Tag: tag, Digest: c.Digest, What: "child manifest content does not match its digest:"})
		}
		ps, err := checkManifest(ctx, host, repo, tag, cb, depth+1)
		if err != nil {
			return nil, err
		}
		probs = append(probs, ps...)
	}
	return probs, nil
}

func digestOf(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

var linkRE = regexp.MustCompile(`<([^>]+)>;\s*rel="?next"?`)

func listTags(ctx context.Context, host, repo string) ([]string, error) {
	next := "/v2/" + repo + "/tags/list?n=1000"
	var out []string
	for next != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+next, nil)
		if err != nil {
			return nil, err
		}
		resp, err := inspectClient.Do(req)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusNotFound {
			return nil, nil
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("list tags of %s: %d %s", repo, resp.StatusCode, b)
		}
		var page struct {
			Tags []string `json:"tags"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, fmt.Errorf("list tags of %s: %w", repo, err)
		}
		out = append(out, page.Tags...)
		next = ""
		if m := linkRE.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
			u, err := url.Parse(m[1])
			if err != nil {
				return nil, err
			}
			next = u.RequestURI()
		}
	}
	sort.Strings(out)
	return out, nil
}

func getManifest(ctx context.Context, host, repo, ref string) (body []byte, digest string, code int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/v2/"+repo+"/manifests/"+ref, nil)
	if err != nil {
		return nil, "", 0, err
	}
	req.Header.Set("Accept", manifestAccept)
	resp, err := inspectClient.Do(req)
	if err != nil {
		return nil, "", 0, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", 0, err
	}
	digest = resp.Header.Get("Docker-Content-Digest")
	if digest == "" {
		digest = digestOf(body)
	}
	return body, digest, resp.StatusCode, nil
}

func headBlob(ctx context.Context, host, repo, digest string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "http://"+host+"/v2/"+repo+"/blobs/"+digest, nil)
	if err != nil {
		return false, err
	}
	resp, err := inspectClient.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
		return true, nil
	case resp.StatusCode == http.StatusNotFound:
		return false, nil
	case strings.HasPrefix(resp.Status, "3"):
		return true, nil // served from elsewhere
	}
	return false, fmt.Errorf("HEAD blob %s in %s: %s", digest, repo, resp.Status)
}
