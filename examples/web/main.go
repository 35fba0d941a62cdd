// Command web serves a greeting on :8080.
package main

import (
	"fmt"
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "hello from an image built by hoist")
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}
