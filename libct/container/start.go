package container

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/child"
	"github.com/rt-runtime/rt/libct/hooks"
	"github.com/rt-runtime/rt/libct/seccomp"
)

// Start releases a created container's init to exec the user's process.
// The caller holds the lock.
func (c *Container) Start() error {
	switch st := c.Status(); st {
	case Created:
	case Stopped:
		return fmt.Errorf("container %q is stopped: cannot start it", c.state.ID)
	default:
		return fmt.Errorf("container %q is %s, not created: cannot start it", c.state.ID, st)
	}
	conn, err := sendStart(c.dir)
	if err != nil {
		return err
	}
	defer conn.Close()
	crashPoint("start: connected")
	// Until the execve closes the socket: errors of the process's set-up
	// (a startContainer hook, the user), a seccomp listener for the agent.
	_, err = conn.Serve(&seccompHandler{c: c, pid: c.state.Pid}, 0)
	if err == nil && c.init != nil {
		// An init this process made shares its memory: an error its seccomp
		// filter kept it from sending (the execve denied, and the report
		// after it) is read there. (rt start cannot see it, nor runc's.)
		err = c.init.UnsentError()
	}
	if err != nil {
		// The init exits after its error: make sure it has, so that the
		// container reads as stopped once start has failed.
		if kerr := killInit(c.state.Pid, c.state.InitStartTime, time.Second); kerr != nil {
			slog.Warn("stop the init after a failed start", "id", c.state.ID, "err", kerr)
		}
		var he *child.HookError
		if errors.As(err, &he) {
			err = hookFailure(c.hooks(), he)
		}
		return fmt.Errorf("start container %q: %w", c.state.ID, err)
	}
	crashPoint("start: process exec'd")
	if c.restoreOOM != nil {
		c.restoreOOM()
		c.restoreOOM = nil
	}
	c.state.Status = Running
	if err := c.saveStatus(); err != nil {
		return err
	}
	crashPoint("start: running recorded")
	if h := c.hooks(); h != nil {
		if err := hooks.Run("poststart", h.Poststart, c.specState(Running)); err != nil {
			// runtime-spec 1.3 (1.0 to 1.2 wanted a warning): an error,
			// the container stopped and the lifecycle continued at
			// step 12, destroying it, then its poststop hooks: what
			// delete --force does (crun too; runc only kills it).
			if derr := c.Delete(true); derr != nil {
				slog.Warn("delete after a failed poststart hook", "id", c.state.ID, "err", derr)
			}
			return err
		}
	}
	return nil
}

// sendSeccompListener hands the listener of process pid (the init, or an
// exec'd process: state.pid stays the init's) to the agent, with the
// container's state as st.
func (c *Container) sendSeccompListener(fd, pid int, st Status) error {
	sc := c.stored().Linux.Seccomp
	ps := &specs.ContainerProcessState{
		Version:  specs.Version,
		Fds:      []string{specs.SeccompFdName},
		Pid:      pid,
		Metadata: sc.ListenerMetadata,
		State:    *c.specState(st),
	}
	return seccomp.SendToAgent(sc.ListenerPath, ps, fd)
}

// sendStart asks the init, through its start socket in dir, to start.
func sendStart(dir string) (*child.Conn, error) {
	addr, closeDir, err := sockAddr(dir, startSock)
	if err != nil {
		return nil, err
	}
	defer closeDir()
	return child.SendStart(addr)
}
