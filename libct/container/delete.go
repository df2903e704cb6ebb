package container

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/cgroups"
	"github.com/rt-runtime/rt/libct/hooks"
)

// Delete removes a stopped or created container (with force, any: it
// kills it first): its processes, cgroup and state directory. poststop
// hooks run last. A container this handle already destroyed is not
// destroyed again.
//
// A created container's user process never ran: runc and crun delete it
// without --force, and containerd relies on that (its shim deletes a task
// that was created but not started without --force).
func (c *Container) Delete(force bool) error {
	if c.destroyed {
		return nil
	}
	st := c.Status()
	if st != Stopped {
		if !force && st != Created {
			return fmt.Errorf("container %q is %s: stop it first or use --force", c.state.ID, st)
		}
		if err := c.killAndWait(); err != nil {
			return err
		}
		crashPoint("delete: killed")
	}
	return c.destroy()
}

// killAndWait SIGKILLs everything in the container and waits until the
// init is gone (a zombie counts as gone: its parent may reap it late).
func (c *Container) killAndWait() error {
	if err := c.signalAll(unix.SIGKILL); err != nil {
		slog.Debug("kill all container processes", "err", err)
	}
	if err := killInit(c.state.Pid, c.state.InitStartTime, 10*time.Second); err != nil {
		return fmt.Errorf("container %q: %w", c.state.ID, err)
	}
	return nil
}

func (c *Container) destroy() error {
	c.destroyed = true
	var firstErr error
	// An empty cgroup (no stray process, no nested cgroup: the common
	// case) goes with a few rmdirs; the rest takes the manager.
	if len(c.state.CgroupPaths) > 0 && !cgroups.RemoveIfEmpty(c.state.CgroupPaths) {
		if m, err := c.cgroup(); err == nil {
			// Stray processes (no pid namespace) must not keep the cgroup.
			if pids, _ := m.GetPids(); len(pids) > 0 {
				c.signalAll(unix.SIGKILL)
			}
			if err := m.Destroy(); err != nil {
				firstErr = fmt.Errorf("remove cgroup: %w", err)
			}
		}
	}
	crashPoint("delete: cgroup removed")
	if h := c.hooks(); h != nil {
		if err := hooks.RunAll("poststop", h.Poststop, c.specState(Stopped)); err != nil {
			slog.Warn("poststop hook failed", "id", c.state.ID, "err", err)
		}
	}
	if err := removeStateDir(c.dir); err != nil && firstErr == nil {
		firstErr = fmt.Errorf("remove state dir: %w", err)
	}
	c.Unlock()
	return firstErr
}

// removeStateDir removes the container's directory with state.json last:
// a delete killed halfway leaves the record (or a bare directory, which
// names nothing else any more), so running delete again finishes the job.
func removeStateDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	for _, e := range ents {
		if e.Name() != stateFile {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	crashPoint("delete: files removed")
	if err := os.Remove(filepath.Join(dir, stateFile)); err != nil && !os.IsNotExist(err) {
		return err
	}
	crashPoint("delete: state removed")
	if err := os.Remove(dir); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
