package seccomp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// SendToAgent hands the notify listener fd to the seccomp agent listening
// on the unix stream socket listenerPath: one connection carrying the JSON
// container process state, with fd attached via SCM_RIGHTS to the first
// byte, then closed, as the runtime-spec requires. Fds and an empty
// ociVersion are filled in; the caller sets pid, metadata
// (listenerMetadata) and state.
//
// The call makes connect/sendmsg syscalls, so a process whose own filter
// notifies those must not send for itself.
func SendToAgent(listenerPath string, st *specs.ContainerProcessState, fd int) error {
	if st == nil {
		return errors.New("seccomp agent: nil process state")
	}
	if fd < 0 {
		return fmt.Errorf("seccomp agent: invalid listener fd %d", fd)
	}
	msg := *st
	msg.Fds = []string{specs.SeccompFdName}
	if msg.Version == "" {
		msg.Version = specs.Version
	}
	payload, err := json.Marshal(&msg)
	if err != nil {
		return fmt.Errorf("seccomp agent: encode process state: %w", err)
	}
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: listenerPath, Net: "unix"})
	if err != nil {
		// A *net.OpError names the path again ("dial unix PATH: ...").
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			err = oe.Err
		}
		return fmt.Errorf("failed to connect with seccomp agent %s: %w", listenerPath, err)
	}
	defer conn.Close()
	n, _, err := conn.WriteMsgUnix(payload, unix.UnixRights(fd), nil)
	if err != nil {
		return fmt.Errorf("seccomp agent: send to %s: %w", listenerPath, err)
	}
	// A stream socket may take less than the whole payload; the rest goes
	// without fds, which the spec allows.
	if n < len(payload) {
		if _, err := conn.Write(payload[n:]); err != nil {
			return fmt.Errorf("seccomp agent: send to %s: %w", listenerPath, err)
		}
	}
	if err := conn.Close(); err != nil {
		return fmt.Errorf("seccomp agent: close connection to %s: %w", listenerPath, err)
	}
	return nil
}
