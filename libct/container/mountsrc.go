package container

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/initproc"
)

// serveMountSource answers an init's MsgMountSource: in a user namespace
// the init cannot reach a bind source below a directory only the host's
// root may search, so rt opens it, with its own credentials, in the init's
// mount namespace (a handle on a mount of another namespace could not be
// bound there). Only bind sources of the spec are ever opened.
func (c *Container) serveMountSource(ch *child, index int) error {
	mounts := c.state.Spec.Mounts
	if index < 0 || index >= len(mounts) || !isBind(mounts[index]) {
		return fmt.Errorf("sync: init asked for the source of mount %d, which is not a bind mount", index)
	}
	src := mounts[index].Source
	if !filepath.IsAbs(src) {
		src = filepath.Join(c.state.Bundle, src)
	}
	fd, err := openInMountNS(ch.cmd.Process.Pid, src)
	if err != nil {
		err = fmt.Errorf("open bind source %s for %s: %w", mounts[index].Source, mounts[index].Destination, err)
		_ = ch.conn.Send(initproc.Message{Type: initproc.MsgError, Msg: err.Error()})
		return err
	}
	defer unix.Close(fd)
	return ch.conn.Send(initproc.Message{Type: initproc.MsgMountSource}, fd)
}

func isBind(m specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

// openInMountNS opens path with O_PATH from inside the mount namespace of
// pid, on a thread of its own that joins it and then dies with its
// goroutine (it is never unlocked), so no other goroutine runs there.
func openInMountNS(pid int, path string) (int, error) {
	type result struct {
		fd  int
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := func() (int, error) {
			// setns(CLONE_NEWNS) wants a thread that shares no fs
			// context (root, cwd) with the others.
			if err := unix.Unshare(unix.CLONE_FS); err != nil {
				return -1, fmt.Errorf("unshare fs: %w", err)
			}
			ns, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/ns/mnt", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return -1, fmt.Errorf("open mount namespace of %d: %w", pid, err)
			}
			defer unix.Close(ns)
			if err := unix.Setns(ns, unix.CLONE_NEWNS); err != nil {
				return -1, fmt.Errorf("join mount namespace of %d: %w", pid, err)
			}
			return unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
		}()
		done <- result{fd, err}
	}()
	r := <-done
	return r.fd, r.err
}
