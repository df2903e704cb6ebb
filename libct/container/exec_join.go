package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/cgroups"
	"github.com/rt-runtime/rt/libct/child"
	"github.com/rt-runtime/rt/libct/userns"
)

// What an exec'd process joins: the init's namespaces, opened through
// its /proc entry, and the container's cgroup (or sub-cgroups of it).

// execNamespaces are the init's namespaces an exec'd process joins.
type execNamespaces struct {
	join     []child.Namespace
	pid      int // joined by the spawning thread (-1: none)
	forkInit bool
	userNS   bool
}

func (n *execNamespaces) close() {
	for _, ns := range n.join {
		unix.Close(ns.Fd)
	}
	if n.pid >= 0 {
		unix.Close(n.pid)
	}
}

// openNamespaces opens the init's namespaces through its /proc entry,
// then checks the init is still the same process: a recycled PID must not
// be joined.
func (c *Container) openNamespaces(nss []specs.LinuxNamespace) (*execNamespaces, error) {
	n := &execNamespaces{pid: -1}
	have := map[specs.LinuxNamespaceType]bool{}
	for _, ns := range nss {
		have[ns.Type] = true
	}
	n.userNS = have[specs.UserNamespace]
	open := func(t specs.LinuxNamespaceType) (int, error) {
		name := nsProcName[t]
		if t == specs.TimeNamespace {
			// A created init enters its time namespace only at its
			// execve: until then it is in time_for_children.
			name = "time_for_children"
		}
		p := filepath.Join("/proc", strconv.Itoa(c.state.Pid), "ns", name)
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, fmt.Errorf("open %s: %w", p, err)
		}
		return fd, nil
	}
	ok := false
	defer func() {
		if !ok {
			n.close()
		}
	}()
	for _, t := range child.JoinOrder() {
		if !have[t] {
			continue
		}
		fd, err := open(t)
		if err != nil {
			return nil, err
		}
		n.join = append(n.join, child.Namespace{Fd: fd, Type: child.NamespaceFlag(t)})
	}
	if have[specs.PIDNamespace] {
		fd, err := open(specs.PIDNamespace)
		if err != nil {
			return nil, err
		}
		if n.userNS && os.Geteuid() != 0 {
			// An unprivileged rt may not join the pid namespace from the
			// host's user namespace: the child joins it after the user
			// namespace, then forks into it.
			n.join = append(n.join, child.Namespace{Fd: fd, Type: unix.CLONE_NEWPID})
			n.forkInit = true
		} else {
			n.pid = fd
		}
	}
	if !alive(c.state.Pid, c.state.InitStartTime) {
		return nil, notRunning{c.state.ID}
	}
	ok = true
	return n, nil
}

var nsProcName = map[specs.LinuxNamespaceType]string{
	specs.UserNamespace: "user", specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts",
	specs.NetworkNamespace: "net", specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
	specs.MountNamespace: "mnt", specs.PIDNamespace: "pid",
}

// rootlessCaller tells whether rt runs without the host's root: another
// euid, or inside a user namespace an engine made.
func rootlessCaller() bool { return os.Geteuid() != 0 || userns.RunningInUserNS() }

// joinCgroups moves pid into the container's cgroup, or into the
// sub-cgroups exec --cgroup named. On v2 those are only entered: Apply would
// enable controllers in the container's own cgroup, which holds the init,
// and that turns the sub-cgroup "domain invalid". On v1 Apply is kept for
// its filling of an empty cpuset, without which the join fails.
func joinCgroups(paths map[string]string, sub bool, pid int) error {
	if len(paths) == 0 {
		return nil // a rootless container without a cgroup
	}
	if !sub || !cgroups.IsV2() {
		m, err := cgroups.Load(paths)
		if err != nil {
			return err
		}
		if err := m.Apply(pid); err != nil {
			return fmt.Errorf("join container cgroup: %w", err)
		}
		return nil
	}
	done := map[string]bool{}
	for _, d := range paths {
		if done[d] {
			continue
		}
		done[d] = true
		p := filepath.Join(d, "cgroup.procs")
		if err := os.WriteFile(p, []byte(strconv.Itoa(pid)), 0); err != nil {
			return fmt.Errorf("exec --cgroup: join %s: %w", d, err)
		}
	}
	return nil
}

// execCgroupPaths returns the cgroup directories an exec'd process joins:
// the container's, with the requested sub-cgroups appended. Like runc it
// never creates them: a missing one is an error.
func (c *Container) execCgroupPaths(sub map[string]string) (map[string]string, error) {
	paths := make(map[string]string, len(c.state.CgroupPaths))
	for k, v := range cgroups.DirPaths(c.state.CgroupPaths) {
		paths[k] = v
	}
	if len(sub) == 0 {
		return paths, nil
	}
	// The words of the errors below are runc's, which its tests match.
	join := func(base, rel string) (string, error) {
		// "/" (or ".") is the container's own cgroup.
		d := filepath.Join(base, rel)
		if r, err := filepath.Rel(base, d); err != nil || r == ".." || strings.HasPrefix(r, "../") {
			return "", fmt.Errorf("exec --cgroup %s: bad sub cgroup path: it is not under the container's cgroup", rel)
		}
		return d, nil
	}
	if rel, ok := sub[""]; ok {
		if len(sub) != 1 {
			return nil, fmt.Errorf("exec --cgroup: a path without a controller cannot be combined with others")
		}
		for k, base := range paths {
			d, err := join(base, rel)
			if err != nil {
				return nil, err
			}
			paths[k] = d
		}
	} else {
		orig := cgroups.DirPaths(c.state.CgroupPaths)
		for ctrl, rel := range sub {
			base, ok := orig[ctrl]
			if !ok {
				return nil, fmt.Errorf("exec --cgroup: unknown controller %q: the container has no such cgroup", ctrl)
			}
			d, err := join(base, rel)
			if err != nil {
				return nil, err
			}
			// Co-mounted controllers (cpu,cpuacct) share one directory:
			// the process can only be in it once.
			for k, v := range orig {
				if v == base {
					paths[k] = d
				}
			}
		}
	}
	for _, d := range paths {
		if _, err := os.Stat(filepath.Join(d, "cgroup.procs")); err != nil {
			return nil, fmt.Errorf("exec --cgroup: sub-cgroup %s: adding pid to it: %w", d, err)
		}
	}
	return paths, nil
}
