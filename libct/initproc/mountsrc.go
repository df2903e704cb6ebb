package initproc

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mountSourceFromParent asks the parent for a handle on the bind source
// of a spec mount the init cannot open itself (in a user namespace, a
// host directory only the host's root may search). The parent opens it in
// this init's mount namespace, so the handle is one the init may bind.
func mountSourceFromParent(conn *Conn) func(int) (*os.File, error) {
	return func(index int) (*os.File, error) {
		if err := conn.Send(Message{Type: MsgMountSource, Index: index}); err != nil {
			return nil, err
		}
		_, fds, err := conn.Expect(MsgMountSource)
		if err == nil && len(fds) != 1 {
			err = errors.New("no fd in the parent's answer")
		}
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return nil, fmt.Errorf("mount source from the runtime: %w", err)
		}
		return os.NewFile(uintptr(fds[0]), "mount source"), nil
	}
}
