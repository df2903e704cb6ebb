// Package console hands pty masters between the container init and whoever
// owns the terminal (conmon, containerd's shim, or rt's own foreground run)
// over a unix socket, as runc's --console-socket protocol does: the master is
// one SCM_RIGHTS fd with its name as the payload.
package console

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

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
