package imagetest

import (
	"testing"
)

func TestBusyboxPushes(t *testing.T) {
	img := Busybox(t)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" || len(cf.RootFS.DiffIDs) != 1 {
		t.Fatalf("config: %+v", cf)
	}
	reg := Registry(t)
	ref := Push(t, img, reg+"/imagetest/busybox:1")
	got := Pull(t, ref)
	want, _ := img.Digest()
	if d, _ := got.Digest(); d != want {
		t.Fatalf("pulled %s, pushed %s", d, want)
	}
}
