package child

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Handler answers what the child asks the parent for: what needs Go, the
// host's credentials or the container's records stays in the parent.
type Handler interface {
	// Cgroup moves the child into its cgroup (and its network devices
	// into its namespace); it returns the container's states for the
	// hooks the child runs: creating, a NUL, created.
	Cgroup() ([]byte, error)
	// Hooks runs the prestart and createRuntime hooks.
	Hooks() error
	// MountFd opens what the config's mount index needs from outside: the
	// detached idmapped mount, or a bind source the child cannot reach.
	MountFd(index int) (*os.File, error)
	// Mounts lists the host's procfs and sysfs mounts a --no-pivot
	// chroot must hide.
	Mounts() ([]string, error)
	// Seccomp hands a seccomp notify listener to the agent.
	Seccomp(listener int) error
}

// HookError is a hook the child ran that failed.
type HookError struct {
	Kind     int // HookCreateContainer, HookStartContainer
	Index    int
	Status   unix.WaitStatus
	TimedOut bool
	Stderr   []byte
}

func (e *HookError) Error() string {
	return fmt.Sprintf("hook #%d failed (%s)", e.Index, waitStatusText(e.Status))
}

// StatusText words the hook's wait status as os.ProcessState does.
func (e *HookError) StatusText() string { return waitStatusText(e.Status) }

// Serve answers the child's requests until a message of kind until comes
// (and is returned) or, with until 0, until the socket closes (the child
// exec'd: nil). A failed request is reported to the child, which exits,
// and returned.
func (c *Conn) Serve(h Handler, until Kind) (Msg, error) {
	for {
		m, fds, err := c.Recv()
		if err == ErrClosed && until == 0 {
			return m, nil
		}
		if err != nil {
			return m, err
		}
		if m.Kind == until {
			closeFds(fds)
			return m, nil
		}
		var reply Msg
		var replyFd *os.File
		switch m.Kind {
		case KindCgroup:
			reply.Data, err = h.Cgroup()
		case KindHooks:
			err = h.Hooks()
		case KindMountFd:
			replyFd, err = h.MountFd(int(m.Arg))
		case KindMounts:
			var list []string
			if list, err = h.Mounts(); err == nil {
				reply.Data = []byte(strings.Join(list, "\x00") + "\x00")
			}
		case KindSeccomp:
			if len(fds) != 1 {
				err = fmt.Errorf("sync: a %q message without its fd", m.Kind)
			} else {
				err = h.Seccomp(fds[0])
			}
		case KindHookError:
			err = &HookError{Kind: int(m.Step), Index: int(uint32(m.Arg)), Status: unix.WaitStatus(m.Errno),
				TimedOut: m.Arg>>32 != 0, Stderr: append([]byte(nil), m.Data...)}
			closeFds(fds)
			return m, err
		default:
			err = fmt.Errorf("sync: unexpected %q message from the child", m.Kind)
		}
		closeFds(fds)
		if err != nil {
			c.SendError(err)
			return m, err
		}
		reply.Kind = KindOK
		if replyFd != nil {
			err = c.Send(reply, int(replyFd.Fd()))
			replyFd.Close()
		} else {
			err = c.Send(reply)
		}
		if err != nil {
			return m, err
		}
	}
}
