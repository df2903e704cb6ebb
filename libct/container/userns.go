package container

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/hostbin"
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

// envIdmap tells the nsenter constructor to wait, after it unshared the
// user namespace, for rt to write its mappings (msgIdmap).
const (
	envFork  = "_RT_FORK" // the constructor forks after joining a pid namespace
	envIdmap = "_RT_IDMAP"
	msgIdmap = "idmap"
)

// idmapRequest holds the mappings rt writes for an init that unshared its
// user namespace itself.
type idmapRequest struct {
	uids, gids []specs.LinuxIDMapping
	// setgroupsDeny: write "deny" to setgroups first (the gid map is the
	// caller's own gid only, which an unprivileged writer may map only so).
	setgroupsDeny bool
}

// rootlessUserNS adapts how a new user namespace is made when rt runs
// with a non-root euid, following runc: mappings of just the caller's own
// uid and gid are written directly with setgroups denied (the kernel's
// condition for an unprivileged gid_map); any other mapping needs
// newuidmap/newgidmap from the host's shadow-utils, which check it against
// /etc/subuid and /etc/subgid. These run outside the child, so the nsenter
// constructor unshares the user namespace (and the others after it) and
// waits for them.
func rootlessUserNS(l *specs.Linux, co *childOpts) {
	euid, egid := uint32(os.Geteuid()), uint32(os.Getegid())
	if euid == 0 {
		return
	}
	ownUID := len(l.UIDMappings) == 1 && l.UIDMappings[0] == specs.LinuxIDMapping{ContainerID: 0, HostID: euid, Size: 1}
	ownGID := len(l.GIDMappings) == 1 && l.GIDMappings[0] == specs.LinuxIDMapping{ContainerID: 0, HostID: egid, Size: 1}
	if ownUID && ownGID {
		co.denySetgroups = true
		return
	}
	co.unshare |= int(co.cloneFlag)
	co.forkInit = co.cloneFlag&unix.CLONE_NEWPID != 0
	co.cloneFlag = 0
	co.uidMaps, co.gidMaps = nil, nil
	co.idmap = &idmapRequest{uids: l.UIDMappings, gids: l.GIDMappings, setgroupsDeny: ownGID}
}

// serveIDMap answers the constructor's request (see rootlessUserNS): each
// map is written directly when the kernel lets us, else by the setuid
// helper, as runc does.
func (ch *child) serveIDMap() error {
	m, _, err := ch.conn.Recv()
	if err != nil {
		return ch.failure(err)
	}
	if m.Type == initproc.MsgError {
		return errors.New(m.Msg)
	}
	if m.Type != msgIdmap {
		return fmt.Errorf("sync: expected %q message, got %q", msgIdmap, m.Type)
	}
	pid := ch.cmd.Process.Pid
	r := ch.idmap
	err = writeIDMap(pid, "uid_map", "newuidmap", r.uids)
	if err == nil && r.setgroupsDeny {
		err = os.WriteFile(fmt.Sprintf("/proc/%d/setgroups", pid), []byte("deny"), 0)
		if errors.Is(err, os.ErrNotExist) {
			err = nil
		}
	}
	if err == nil {
		err = writeIDMap(pid, "gid_map", "newgidmap", r.gids)
	}
	if err != nil {
		ch.conn.Send(initproc.Message{Type: initproc.MsgError, Msg: err.Error()})
		return err
	}
	return ch.conn.Send(initproc.Message{Type: initproc.MsgOK})
}

func writeIDMap(pid int, file, tool string, maps []specs.LinuxIDMapping) error {
	var b strings.Builder
	args := []string{strconv.Itoa(pid)}
	for _, m := range maps {
		fmt.Fprintf(&b, "%d %d %d\n", m.ContainerID, m.HostID, m.Size)
		args = append(args, strconv.FormatUint(uint64(m.ContainerID), 10),
			strconv.FormatUint(uint64(m.HostID), 10), strconv.FormatUint(uint64(m.Size), 10))
	}
	p := fmt.Sprintf("/proc/%d/%s", pid, file)
	err := os.WriteFile(p, []byte(b.String()), 0)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EPERM) {
		return fmt.Errorf("write %s: %w", p, err)
	}
	path, lerr := hostbin.Find(tool)
	if lerr != nil {
		return fmt.Errorf("write %s: %w (and %s is needed for this mapping: %v)", p, err, tool, lerr)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = []string{}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", tool, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// rootlessGroups refuses supplementary groups when rt runs with a non-root
// euid, as runc does (in its words): the user namespace either denies
// setgroups, or maps groups the caller holds only through newgidmap.
func rootlessGroups(p *specs.Process) error {
	if os.Geteuid() != 0 && p != nil && len(p.User.AdditionalGids) > 0 {
		return errors.New("cannot set any additional groups in a rootless container")
	}
	return nil
}
