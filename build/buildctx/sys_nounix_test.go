//go:build !unix

package buildctx

import "errors"

func mkfifo(string) error { return errors.New("not a unix system") }
