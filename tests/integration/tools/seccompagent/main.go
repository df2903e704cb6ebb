// Command seccompagent is a minimal seccomp agent for the integration
// tests: it listens on a unix socket for the runtime's hand-over of a
// SCMP_ACT_NOTIFY listener (the container process state as JSON, the fd
// attached with SCM_RIGHTS), logs what it got and answers every
// notification itself, so a test can see both halves of the protocol.
//
// Log lines (to -log, appended):
//
//	state {...the JSON exactly as received...}
//	notify nr=83 pid=1234
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel's struct seccomp_notif and seccomp_notif_resp; x/sys/unix has
// the ioctl numbers but not these.
type notif struct {
	id    uint64
	pid   uint32
	flags uint32
	nr    int32
	arch  uint32
	ip    uint64
	args  [6]uint64
}

type notifResp struct {
	id    uint64
	val   int64
	error int32
	flags uint32
}

var (
	logMu   sync.Mutex
	logFile *os.File
)

func logf(format string, args ...any) {
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Fprintf(logFile, format+"\n", args...)
}

func main() {
	sock := flag.String("socket", "", "unix socket path to listen on")
	logPath := flag.String("log", "", "file to append what was received to")
	errno := flag.Int("errno", 0, "answer notifications with this errno (0: fake success, return value 0)")
	flag.Parse()
	if *sock == "" || *logPath == "" {
		fmt.Fprintln(os.Stderr, "seccompagent: -socket and -log are required")
		os.Exit(2)
	}
	var err error
	if logFile, err = os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "seccompagent:", err)
		os.Exit(1)
	}
	os.Remove(*sock)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: *sock, Net: "unix"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "seccompagent:", err)
		os.Exit(1)
	}
	// The test waits for this line before it starts a container.
	logf("listening")
	for {
		conn, err := ln.AcceptUnix()
		if err != nil {
			fmt.Fprintln(os.Stderr, "seccompagent: accept:", err)
			os.Exit(1)
		}
		fd, state, err := receive(conn)
		conn.Close()
		if err != nil {
			logf("error %v", err)
			continue
		}
		logf("state %s", state)
		go serve(fd, int32(*errno))
	}
}

// receive reads one hand-over: the fd rides on the first bytes, the rest
// of the JSON may follow without it, up to the runtime's close.
func receive(conn *net.UnixConn) (int, []byte, error) {
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return -1, nil, fmt.Errorf("recvmsg: %w", err)
	}
	rest, err := io.ReadAll(conn)
	if err != nil {
		return -1, nil, fmt.Errorf("read: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return -1, nil, fmt.Errorf("want one control message, got %d (%v)", len(msgs), err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return -1, nil, fmt.Errorf("want one fd, got %d (%v)", len(fds), err)
	}
	return fds[0], append(buf[:n], rest...), nil
}

// serve answers notifications until every process using the filter is
// gone, which the kernel reports as POLLHUP on the listener.
func serve(fd int, errno int32) {
	defer unix.Close(fd)
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			logf("error poll: %v", err)
			return
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			return // POLLHUP: the filter has no users left
		}
		var n notif
		if err := ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&n)); err != nil {
			// ENOENT: the process went away between poll and recv.
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.ENOENT) {
				continue
			}
			logf("error recv: %v", err)
			return
		}
		logf("notify nr=%d pid=%d", n.nr, n.pid)
		resp := notifResp{id: n.id}
		if errno != 0 {
			resp.error = -errno
		}
		if err := ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp)); err != nil && !errors.Is(err, unix.ENOENT) {
			logf("error send: %v", err)
		}
	}
}

func ioctl(fd int, req uint, arg unsafe.Pointer) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
	if e != 0 {
		return e
	}
	return nil
}
