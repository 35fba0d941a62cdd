package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestListTagsPaginates serves the tag list in pages with Link headers, as
// registries with many tags do, and checks every page is read.
func TestListTagsPaginates(t *testing.T) {
	var all []string
	for i := range 250 {
		all = append(all, fmt.Sprintf("1.0.%d", i))
	}
	pages := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		if r.URL.Path == "/v2/missing/tags/list" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}`)
			return
		}
		if r.URL.Path != "/v2/app/tags/list" {
			http.NotFound(w, r)
			return
		}
		pages++
		last := r.URL.Query().Get("last")
		start := 0
		if last != "" {
			start = slices.Index(all, last) + 1
		}
		end := min(start+100, len(all))
		if end < len(all) {
			w.Header().Set("Link", fmt.Sprintf(`</v2/app/tags/list?n=100&last=%s>; rel="next"`, all[end-1]))
		}
		fmt.Fprintf(w, `{"name":"app","tags":["%s"]}`, strings.Join(all[start:end], `","`))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	o := Options{Insecure: []string{host}}
	got, err := o.ListTags(context.Background(), host+"/app")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, all) || pages != 3 {
		t.Fatalf("%d tags in %d pages, want %d in 3", len(got), pages, len(all))
	}
	if tags, err := o.ListTags(context.Background(), host+"/missing"); err != nil || len(tags) != 0 {
		t.Fatalf("missing repository: %v %v", tags, err)
	}
}
