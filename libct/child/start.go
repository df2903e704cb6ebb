package child

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// The start socket is a datagram socket the created init holds from
// create on, bound where `rt start` finds it: its wait for start is one
// recvmsg on an fd it already has, as crun's is a read of its exec fifo.
// A filter the init loaded at create (one without no_new_privs) is in
// force by then, so what the init needs after it is only that read, the
// close of the socket and the execve: `rt start` makes the exec
// trampoline and opens the connection that carries the init's errors,
// and hands both over.

// SendStart tells the created init whose start socket is bound at addr
// to start its process. The datagram carries KindStart and the init's end
// of a new connection; the trampoline (trampoline.go) follows on that
// connection, once the init has closed its start socket, so that the
// init needs one free fd at a time (a process's RLIMIT_NOFILE may be
// tiny, and it is the init's from create on). The init's errors, and
// the seccomp listener of a filter it loads after start, come back on
// the returned Conn, which closes on its execve.
func SendStart(addr *unix.SockaddrUnix) (*Conn, error) {
	tramp, err := trampolineFile()
	if err != nil {
		return nil, err
	}
	defer unix.Close(tramp)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	conn, err := NewPollConn(pair[0], "start")
	if err != nil {
		unix.Close(pair[1])
		return nil, err
	}
	err = sendStart(addr, pair[1])
	unix.Close(pair[1])
	if err == nil {
		err = conn.Send(Msg{Kind: KindOK}, tramp)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// sendStart sends the start datagram, with fd, to addr.
func sendStart(addr *unix.SockaddrUnix, fd int) error {
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("start socket: %w", err)
	}
	defer unix.Close(s)
	b := encode(header{Kind: KindStart}, nil)
	if err := unix.Sendmsg(s, b, unix.UnixRights(fd), addr, 0); err != nil {
		return fmt.Errorf("send start to the container's init: %w", err)
	}
	return nil
}
