package initproc

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// chownStdio gives the process's stdio to the user it is about to become,
// as runc does: the pty (or the fifos a shim passed) was opened by root
// outside, and a non-root process must be able to use its own terminal
// and reopen /dev/stdout. Only the owner changes: the pty's group is the
// one devpts chose (gid=5 in the usual mount options). /dev/null is
// shared with the host and left alone, and an inode we may not chown (not
// mapped in a user namespace, on a read-only file system) is left as it is.
func chownStdio(uid int) error {
	for fd := 0; fd < 3; fd++ {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			if errors.Is(err, unix.EBADF) {
				continue
			}
			return fmt.Errorf("stat fd %d: %w", fd, err)
		}
		if int(st.Uid) == uid || isDevNull(&st) {
			continue
		}
		if err := unix.Fchown(fd, uid, -1); err != nil {
			if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EROFS) || errors.Is(err, unix.EINVAL) {
				continue
			}
			return fmt.Errorf("chown fd %d to uid %d: %w", fd, uid, err)
		}
	}
	return nil
}

func isDevNull(st *unix.Stat_t) bool {
	return st.Mode&unix.S_IFMT == unix.S_IFCHR && unix.Major(st.Rdev) == 1 && unix.Minor(st.Rdev) == 3
}
