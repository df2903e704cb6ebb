package initproc

import (
	"testing"

	"golang.org/x/sys/unix"
)

// The /proc/self/fd walk marks what close_range would: every fd from
// first on, and none below.
func TestMarkCloseOnExecByList(t *testing.T) {
	var fds []int
	for i := 0; i < 4; i++ {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY, 0) // no O_CLOEXEC
		if err != nil {
			t.Fatal(err)
		}
		fds = append(fds, fd)
		defer unix.Close(fd)
	}
	first := fds[2]
	if err := markCloseOnExecByList(first); err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := flags&unix.FD_CLOEXEC != 0, fd >= first; got != want {
			t.Errorf("fd %d: close-on-exec %v, want %v", fd, got, want)
		}
	}
}
