// Command pidfdrecv is the other end of rt's --pidfd-socket for the
// integration tests, as conmon or a shim would be: it listens on a unix
// socket, receives the one pidfd sent there and prints the message's
// payload, the fd's kind and the pid it refers to (from fdinfo). Then it
// waits for SIGTERM and sends -signal (default KILL) through the pidfd.
//
//	pidfdrecv [-signal N] SOCKET
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() {
	sig := flag.Int("signal", int(unix.SIGKILL), "signal to send through the pidfd on SIGTERM")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: pidfdrecv [-signal N] SOCKET")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), unix.Signal(*sig)); err != nil {
		fmt.Fprintln(os.Stderr, "pidfdrecv:", err)
		os.Exit(1)
	}
}

func run(path string, sig unix.Signal) error {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return err
	}
	defer l.Close()
	conn, err := l.AcceptUnix()
	if err != nil {
		return err
	}
	defer conn.Close()
	buf := make([]byte, 256)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return fmt.Errorf("no fd in the message")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return fmt.Errorf("expected one fd")
	}
	fd := fds[0]
	kind, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	fmt.Printf("%s %s %s\n", buf[:n], kind, fdinfoPid(fd))
	os.Stdout.Sync()
	<-term
	return unix.PidfdSendSignal(fd, sig, nil, 0)
}

func fdinfoPid(fd int) string {
	f, err := os.Open("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return "?"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "Pid:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
