package ui

import "testing"

func TestUnifiedDiff(t *testing.T) {
	a := "FROM a\nrun x\n1\n2\n3\n4\n5\n6\n7\n8\nrun y\n"
	b := "FROM a\nRUN x\n1\n2\n3\n4\n5\n6\n7\n8\nRUN y\n"
	want := `--- a/Dockerfile
+++ b/Dockerfile
@@ -1,5 +1,5 @@
 FROM a
-run x
+RUN x
 1
 2
 3
@@ -8,4 +8,4 @@
 6
 7
 8
-run y
+RUN y
`
	if got := UnifiedDiff("Dockerfile", a, b); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if UnifiedDiff("x", a, a) != "" {
		t.Error("no change must give no diff")
	}
	got := UnifiedDiff("x", "a", "b")
	if got != "--- a/x\n+++ b/x\n@@ -1,1 +1,1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n" {
		t.Errorf("no newline: %q", got)
	}
}
