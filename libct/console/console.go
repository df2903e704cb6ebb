// Package console hands pty masters between the container init and whoever
// owns the terminal (conmon, containerd's shim, or rt's own foreground run)
// over a unix socket, as runc's --console-socket protocol does: the master is
// one SCM_RIGHTS fd with its name as the payload.
package console

import (
	"fmt"
	"os"

	"github.com/containerd/console"
	"golang.org/x/sys/unix"
)

// NewPty opens a new pty pair through /dev/ptmx as the caller sees it (in
// the container, after pivot_root, that is the container's devpts).
func NewPty() (master *os.File, slave *os.File, err error) {
	m, slavePath, err := console.NewPty()
	if err != nil {
		return nil, nil, fmt.Errorf("open pty: %w", err)
	}
	mf := os.NewFile(m.Fd(), "/dev/ptmx")
	s, err := os.OpenFile(slavePath, os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		mf.Close()
		return nil, nil, fmt.Errorf("open pty slave %s: %w", slavePath, err)
	}
	return mf, s, nil
}

// Send passes master over the socket.
func Send(sock *os.File, master *os.File) error {
	rights := unix.UnixRights(int(master.Fd()))
	if err := unix.Sendmsg(int(sock.Fd()), []byte(master.Name()), rights, nil, 0); err != nil {
		return fmt.Errorf("send pty master to console socket: %w", err)
	}
	return nil
}

// Recv receives a master sent with Send.
func Recv(sock *os.File) (*os.File, error) {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("receive pty master: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("receive pty master: no fd in message")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("receive pty master: expected one fd")
	}
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), nil
}
