package container

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Signal sends sig to the init, or with all to every process in the
// container's cgroup.
func (c *Container) Signal(sig unix.Signal, all bool) error {
	st := c.Status()
	if st == Stopped {
		return fmt.Errorf("container %q is not running", c.state.ID)
	}
	if all {
		return c.signalAll(sig)
	}
	if err := signalInit(c.state.Pid, c.state.InitStartTime, sig); err != nil {
		if err == errNotRunning {
			return fmt.Errorf("container %q is not running", c.state.ID)
		}
		return err
	}
	// On v1 a frozen task acts on SIGKILL only once thawed.
	if sig == unix.SIGKILL && st == Paused {
		if m, err := c.cgroup(); err == nil {
			return m.Thaw()
		}
	}
	return nil
}

// signalAll signals every process of the cgroup. A paused container is
// thawed after SIGKILL, or the processes could never act on it.
func (c *Container) signalAll(sig unix.Signal) error {
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	pids, err := m.GetPids()
	if err != nil {
		return fmt.Errorf("list container processes: %w", err)
	}
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && err != unix.ESRCH {
			return fmt.Errorf("signal %d: %w", pid, err)
		}
	}
	if sig == unix.SIGKILL {
		if paused, err := m.State(); err == nil && paused {
			return m.Thaw()
		}
	}
	return nil
}
