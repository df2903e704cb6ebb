// Command recvtty is the other end of rt's --console-socket for the
// integration tests: it listens on a unix socket, receives the pty master a
// container's init sends there (one SCM_RIGHTS fd, the protocol runc uses),
// then writes the given input into it and copies everything the container
// prints to stdout until the container side closes. With -hold it only
// keeps the master open until it is killed.
//
//	recvtty [-input TEXT] [-hold] [-name FILE] SOCKET
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() {
	input := flag.String("input", "", "text to write into the terminal once it arrives (\\n is not interpreted)")
	hold := flag.Bool("hold", false, "keep the master open without reading it until killed")
	nameFile := flag.String("name", "", "write the name the sender gave the master to this file")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: recvtty [-input TEXT] [-hold] [-name FILE] SOCKET")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *input, *hold, *nameFile); err != nil {
		fmt.Fprintln(os.Stderr, "recvtty:", err)
		os.Exit(1)
	}
}

func run(path, input string, hold bool, nameFile string) error {
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return err
	}
	defer l.Close()
	conn, err := l.AcceptUnix()
	if err != nil {
		return err
	}
	master, name, err := recvMaster(conn)
	conn.Close()
	if err != nil {
		return err
	}
	defer master.Close()
	if nameFile != "" {
		if err := os.WriteFile(nameFile, []byte(name+"\n"), 0o644); err != nil {
			return err
		}
	}
	if hold {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		return nil
	}
	if input != "" {
		if _, err := io.WriteString(master, input); err != nil {
			return fmt.Errorf("write input: %w", err)
		}
	}
	_, err = io.Copy(os.Stdout, master)
	// EIO is how a pty master reports that every slave fd has closed.
	if errors.Is(err, syscall.EIO) {
		err = nil
	}
	return err
}

// recvMaster reads the one message the sender writes: the master's name as
// payload and its fd as SCM_RIGHTS.
func recvMaster(conn *net.UnixConn) (*os.File, string, error) {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, "", fmt.Errorf("receive: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, "", errors.New("receive: no control message")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, "", errors.New("receive: expected exactly one fd")
	}
	var st unix.Stat_t
	if err := unix.Fstat(fds[0], &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR {
		unix.Close(fds[0])
		return nil, "", errors.New("receive: the fd is not a character device")
	}
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), string(buf[:n]), nil
}
