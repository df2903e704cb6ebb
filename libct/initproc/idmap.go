package initproc

import (
	"fmt"
	"os"
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// mountFdFunc asks the parent for the idmapped mount of one of mounts (see
// container.mountFds) and returns the detached mount it sends back. The
// mount is named by its index in config.json, so the parent works from
// its own copy of the config.
func mountFdFunc(conn *Conn, mounts []specs.Mount) func(specs.Mount) (*os.File, error) {
	return func(mnt specs.Mount) (*os.File, error) {
		i := -1
		for j := range mounts {
			if reflect.DeepEqual(mounts[j], mnt) {
				i = j
				break
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("mount %s on %s: not one of config.json's mounts", mnt.Source, mnt.Destination)
		}
		if err := conn.Send(Message{Type: MsgMountFd, Index: i}); err != nil {
			return nil, err
		}
		_, fds, err := conn.Expect(MsgOK)
		if err != nil {
			closeFds(fds)
			return nil, err
		}
		if len(fds) != 1 {
			closeFds(fds)
			return nil, fmt.Errorf("mount %s on %s: the runtime sent %d fds, not 1", mnt.Source, mnt.Destination, len(fds))
		}
		return os.NewFile(uintptr(fds[0]), mnt.Source), nil
	}
}

func closeFds(fds []int) {
	for _, fd := range fds {
		os.NewFile(uintptr(fd), "").Close()
	}
}
