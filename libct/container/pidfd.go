package container

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// dialPidfdSocket connects to --pidfd-socket before anything is made, so a
// socket nobody listens on fails the command with nothing left behind.
func dialPidfdSocket(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("pidfd socket: %w", err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("connect to pidfd socket %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), "pidfd-socket"), nil
}

// sendPidfd hands a pidfd of pid to the --pidfd-socket peer (conmon, a
// shim), as runc does: one SCM_RIGHTS fd, with "standard" (a container's
// init) or "setns" (an exec) as the payload. pid is our unreaped child, so
// it cannot have been recycled: the pidfd is the process we started.
func sendPidfd(sock *os.File, pid int, kind string) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("--pidfd-socket: pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(fd)
	if err := unix.Sendmsg(int(sock.Fd()), []byte(kind), unix.UnixRights(fd), nil, 0); err != nil {
		return fmt.Errorf("send pidfd to pidfd socket: %w", err)
	}
	return nil
}
