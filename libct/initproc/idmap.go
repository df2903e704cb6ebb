package initproc

import (
	"fmt"
	"os"
)

// mountFdFromParent asks the parent for the fd of config.json's mount
// index (see container.mountFds): an idmapped mount, or a bind source the
// init cannot open itself. The parent works from its own copy of the
// config, so the index is all it needs.
func mountFdFromParent(conn *Conn) func(int) (*os.File, error) {
	return func(i int) (*os.File, error) {
		if err := conn.Send(Message{Type: MsgMountFd, Index: i}); err != nil {
			return nil, err
		}
		_, fds, err := conn.Expect(MsgOK)
		if err == nil && len(fds) != 1 {
			err = fmt.Errorf("the runtime sent %d fds, not 1", len(fds))
		}
		if err != nil {
			for _, fd := range fds {
				os.NewFile(uintptr(fd), "").Close()
			}
			return nil, fmt.Errorf("mount fd from the runtime: %w", err)
		}
		return os.NewFile(uintptr(fds[0]), "mount fd"), nil
	}
}
