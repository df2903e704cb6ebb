package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"golang.org/x/sys/unix"
)

// ErrNoCgroup is returned by SignalAll for a cgroup that is gone.
var ErrNoCgroup = errors.New("cgroup does not exist")

// SignalAll sends sig to every process in m's cgroup. SIGKILL goes
// through cgroup.kill where the kernel has it (v2, and the unified tree of
// the hybrid layout): one write, and no process forks past it. Elsewhere
// the cgroup is frozen while it is listed and signalled, for the same
// reason, and thawed after (a SIGKILL also thaws a paused one, or its
// processes could never act on it).
func SignalAll(m Manager, sig unix.Signal) error {
	if !m.Exists() {
		return ErrNoCgroup
	}
	paused, _ := m.State()
	if sig == unix.SIGKILL {
		if d := m.Paths()[""]; d != "" {
			err := writeFile(d, "cgroup.kill", "1")
			if err == nil && paused {
				// A v1 freezer (hybrid layout) still holds them.
				err = m.Thaw()
			}
			if err == nil || !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	frozen := false
	if sig == unix.SIGKILL && !paused {
		if err := m.Freeze(); err != nil {
			slog.Debug("freeze before killing every process", "err", err)
		} else {
			frozen = true
		}
	}
	pids, err := m.GetPids()
	if err == nil {
		for _, pid := range pids {
			if kerr := unix.Kill(pid, sig); kerr != nil && kerr != unix.ESRCH {
				err = fmt.Errorf("signal %d: %w", pid, kerr)
				break
			}
		}
	} else {
		err = fmt.Errorf("list container processes: %w", err)
	}
	if frozen || (paused && sig == unix.SIGKILL) {
		if terr := m.Thaw(); terr != nil && err == nil {
			err = terr
		}
	}
	return err
}

// CheckUnused refuses, as runc does, a cgroup for a new container that
// already holds processes (another container's: sharing one would mix
// their limits, and deleting either would kill the other) or is frozen
// (the new init would hang in it). A cgroup that does not exist yet is
// the usual case and costs one stat.
func CheckUnused(m Manager) error {
	if !m.Exists() {
		return nil
	}
	pids, err := m.GetPids()
	// The cgroup may be removed under us: that is as good as empty.
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("cgroups: list the processes of the container's cgroup: %w", err)
	}
	if len(pids) > 0 {
		return fmt.Errorf("container's cgroup is not empty: %d process(es) found", len(pids))
	}
	if frozen, err := m.State(); err == nil && frozen {
		return errors.New("container's cgroup unexpectedly frozen")
	}
	return nil
}
