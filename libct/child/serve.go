package child

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// What the child asks the parent for: what needs Go, the host's
// credentials or the container's records stays in the parent. Each
// request is an interface of its own, so that a parent implements only
// what its child can ask (a create's init all but Seccomp, which it sends
// to `rt start`; an exec'd process only Seccomp); any other request is
// refused in Serve, in one set of words.
type (
	// CgroupHandler moves the child into its cgroup (and its network
	// devices into its namespace); it returns the container's states for
	// the hooks the child runs: creating, a NUL, created.
	CgroupHandler interface{ Cgroup() ([]byte, error) }
	// HooksHandler runs the prestart and createRuntime hooks.
	HooksHandler interface{ Hooks() error }
	// MountFdHandler opens what the config's mount index needs from
	// outside: the detached idmapped mount, or a bind source the child
	// cannot reach.
	MountFdHandler interface {
		MountFd(index int) (*os.File, error)
	}
	// MountsHandler lists the host's procfs and sysfs mounts a --no-pivot
	// chroot must hide.
	MountsHandler interface{ Mounts() ([]string, error) }
	// SeccompHandler hands a seccomp notify listener to the agent.
	SeccompHandler interface{ Seccomp(listener int) error }
)

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

// Serve answers the child's requests with h (which implements the
// handlers above that its child may need) until a message of kind until
// comes (and is returned) or, with until 0, until the socket closes (the
// child exec'd: nil). A failed request is reported to the child, which
// exits, and returned; so is a hook the child ran that failed.
func (c *Conn) Serve(h any, until Kind) (Msg, error) {
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
		reply, replyFd, err := answer(h, m, fds)
		if he, ok := err.(*HookError); ok {
			return m, he // the child reported it and exits
		}
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

// answer is h's answer to the request m (with fds, which it closes): the
// reply's payload and fd, or why not.
func answer(h any, m Msg, fds []int) (reply Msg, replyFd *os.File, err error) {
	defer closeFds(fds)
	switch m.Kind {
	case KindCgroup:
		if h, ok := h.(CgroupHandler); ok {
			reply.Data, err = h.Cgroup()
			return reply, nil, err
		}
	case KindHooks:
		if h, ok := h.(HooksHandler); ok {
			return reply, nil, h.Hooks()
		}
	case KindMountFd:
		if h, ok := h.(MountFdHandler); ok {
			replyFd, err = h.MountFd(int(m.Arg))
			return reply, replyFd, err
		}
	case KindMounts:
		if h, ok := h.(MountsHandler); ok {
			list, err := h.Mounts()
			if err == nil {
				reply.Data = []byte(strings.Join(list, "\x00") + "\x00")
			}
			return reply, nil, err
		}
	case KindSeccomp:
		if h, ok := h.(SeccompHandler); ok {
			if len(fds) != 1 {
				return reply, nil, fmt.Errorf("sync: a %q message without its fd", m.Kind)
			}
			return reply, nil, h.Seccomp(fds[0])
		}
	case KindHookError:
		return reply, nil, &HookError{Kind: int(m.Step), Index: int(uint32(m.Arg)), Status: unix.WaitStatus(m.Errno),
			TimedOut: m.Arg>>32 != 0, Stderr: append([]byte(nil), m.Data...)}
	}
	return reply, nil, fmt.Errorf("sync: unexpected %q message from the child", m.Kind)
}
