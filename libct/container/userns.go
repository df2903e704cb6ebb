package container

import (
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/initproc"
	"github.com/rt-runtime/rt/libct/specconv"
	"github.com/rt-runtime/rt/libct/userns"
)

// becomeSubreaper makes rt inherit the init the nsenter constructor forks
// (adoptInit), so that rt can wait for it like for any child.
func becomeSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become child subreaper: %w", err)
	}
	return nil
}

// adoptInit takes over the init that the nsenter constructor forked into a
// new pid namespace (one made inside a joined user namespace, where only a
// child of the process that made it can be its pid 1). It reads the init's
// pid, reaps the forking process, and makes the init ch's process: rt is
// a subreaper, so the init is now rt's child. On error nothing is left.
func (ch *child) adoptInit() error {
	m, _, err := ch.conn.Recv()
	if err == nil && (m.Type != initproc.MsgPid || m.Pid <= 0) {
		err = fmt.Errorf("sync: expected %q message, got %q", initproc.MsgPid, m.Type)
	}
	if errors.Is(err, initproc.ErrClosed) {
		err = ch.failure(err)
	} else {
		ch.cmd.Process.Wait()
	}
	var p *os.Process
	if err == nil {
		if p, err = os.FindProcess(m.Pid); err != nil {
			err = fmt.Errorf("find container init %d: %w", m.Pid, err)
		}
	}
	if err != nil {
		if m.Pid > 0 {
			unix.Kill(m.Pid, unix.SIGKILL)
		}
		ch.cfgW.Close()
		ch.conn.Close()
		return fmt.Errorf("start container init: %w", err)
	}
	ch.cmd.Process = p
	return nil
}

// checkJoinedMappings refuses linux.uidMappings/gidMappings that differ
// from those of the user namespace the init joined (pid is the init, now
// inside it). containerd and CRI-O pass both, so equal ones are accepted.
func checkJoinedMappings(spec *specs.Spec, pid int) error {
	l := spec.Linux
	userNS, _ := specconv.Namespace(spec, specs.UserNamespace)
	if l == nil || len(l.UIDMappings) == 0 && len(l.GIDMappings) == 0 || userNS.Path == "" {
		return nil
	}
	uids, gids, err := userns.ReadMappings(pid)
	if err != nil {
		return err
	}
	if !userns.SameMappings(uids, l.UIDMappings) || !userns.SameMappings(gids, l.GIDMappings) {
		return errors.New("user namespaces enabled, but both namespace path and non-matching mapping specified -- you may only provide one")
	}
	return nil
}
