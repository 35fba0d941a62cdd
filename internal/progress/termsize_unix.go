//go:build linux || darwin

package progress

import (
	"io"
	"syscall"
	"unsafe"
)

// terminalSize returns the columns and rows of the terminal w writes to,
// or zeros when w is not a terminal (or not a file).
func terminalSize(w io.Writer) (cols, rows int) {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return 0, 0
	}
	var ws struct{ Row, Col, Xpixel, Ypixel uint16 }
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(syscall.TIOCGWINSZ), uintptr(unsafe.Pointer(&ws)))
	if errno != 0 {
		return 0, 0
	}
	return int(ws.Col), int(ws.Row)
}
