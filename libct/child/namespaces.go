package child

import (
	"errors"
	"fmt"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// How each namespace of a new container is made:
//   - new namespaces are clone3 flags of the child, so that the child is,
//     say, PID 1 of its new pid namespace from its first instruction;
//     except the cgroup one, unshared once the child is in its cgroup, and
//     the time one, unshared by the child, whose offsets must be written
//     before any process is in it (the user's process enters it at
//     execve);
//   - joined ones (a path) are entered by the child with setns: it is
//     single-threaded, so a user or mount namespace may be joined too;
//   - with a joined user namespace, the new ones are unshared by the
//     child after it joined, so that they belong to it; a new pid
//     namespace then needs a fork, since only a child of the process that
//     made it can be in it (forkInit);
//   - a joined pid namespace is entered by the spawning thread of the
//     parent (setns of a pid namespace only affects children), which is
//     then thrown away.

var cloneFlags = map[specs.LinuxNamespaceType]uintptr{
	specs.UserNamespace:    unix.CLONE_NEWUSER,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.CgroupNamespace:  unix.CLONE_NEWCGROUP,
	specs.TimeNamespace:    unix.CLONE_NEWTIME,
}

// joinOrder is the order joined namespaces are listed in: the user
// namespace first so the others are joined with its privileges (the
// child's passes reorder for those the host's root must join), the mount
// namespace last because it changes the root the remaining paths would
// resolve in.
var joinOrder = []specs.LinuxNamespaceType{
	specs.UserNamespace, specs.IPCNamespace, specs.UTSNamespace,
	specs.NetworkNamespace, specs.CgroupNamespace, specs.TimeNamespace,
	specs.MountNamespace,
}

// JoinOrder is joinOrder, for exec, which opens the init's namespaces.
func JoinOrder() []specs.LinuxNamespaceType { return joinOrder }

// IDMap is a user namespace's mappings the parent writes for the child.
type IDMap struct {
	UIDs, GIDs []specs.LinuxIDMapping
	// SetgroupsDeny: write "deny" to setgroups first (an unprivileged
	// writer may map only its own gid, and only so).
	SetgroupsDeny bool
}

// namespaces plans a new container's namespaces (see above) and adds the
// steps the child takes for them.
func (c *compiler) namespaces() error {
	p, spec := c.p, c.cfg.Spec
	if spec.Linux == nil {
		return nil
	}
	l := spec.Linux
	var newFlags uintptr
	var join []Namespace
	paths := map[specs.LinuxNamespaceType]string{}
	newTime, newCgroup := false, false
	for _, ns := range l.Namespaces {
		switch {
		case ns.Type == specs.PIDNamespace && ns.Path != "":
			fd, err := OpenNamespace(ns.Type, ns.Path)
			if err != nil {
				return err
			}
			p.threadNS = fd
			p.ownFds = append(p.ownFds, fd)
		case ns.Path != "":
			paths[ns.Type] = ns.Path
		case ns.Type == specs.CgroupNamespace:
			newCgroup = true
		case ns.Type == specs.TimeNamespace:
			newTime = true
		default:
			f, ok := cloneFlags[ns.Type]
			if !ok {
				return fmt.Errorf("linux.namespaces: unknown namespace type %q", ns.Type)
			}
			newFlags |= f
		}
	}
	for _, t := range joinOrder {
		path, ok := paths[t]
		if !ok {
			continue
		}
		fd, err := OpenNamespace(t, path)
		if err != nil {
			return err
		}
		p.ownFds = append(p.ownFds, fd)
		join = append(join, Namespace{Fd: fd, Type: cloneFlags[t]})
	}
	_, joinUser := paths[specs.UserNamespace]
	var unshare uintptr
	if joinUser {
		unshare = newFlags
	} else {
		p.cloneFlags = uint64(newFlags)
		if newFlags&unix.CLONE_NEWUSER != 0 {
			if !mapsRoot(l.UIDMappings) || !mapsRoot(l.GIDMappings) {
				return errors.New("linux.uidMappings/gidMappings: a new user namespace must map container id 0")
			}
			// Become root of the new user namespace before anything:
			// the child still has the host's uid 0, unmapped there.
			c.waitIDMap(l)
			// A new IPC namespace's mqueue instance belongs to whoever
			// creates it: made by the clone (in rt's context), /dev/mqueue
			// would be the host root's, nobody's in the container. Made
			// now, it is the container root's, as crun's (runc's: uid 0).
			if newFlags&unix.CLONE_NEWIPC != 0 {
				p.cloneFlags &^= unix.CLONE_NEWIPC
				unshare = unix.CLONE_NEWIPC
			}
		}
	}
	c.joinFds(join)
	if unshare != 0 {
		s := p.addOp(opUnshare, "unshare namespaces")
		s.n[0] = int64(unshare)
		if unshare&unix.CLONE_NEWUSER != 0 {
			c.waitIDMap(l)
		}
	}
	if newTime {
		s := p.addOp(opUnshare, "unshare time namespace")
		s.n[0] = unix.CLONE_NEWTIME
		s = p.addOp(opTimeOffsets, "write time namespace offsets")
		s.s[0] = p.str(timeOffsets(l.TimeOffsets))
	}
	if unshare&unix.CLONE_NEWPID != 0 {
		p.addOp(opForkInit, "fork into the new pid namespace")
		p.forkInit = true
	}
	c.newCgroupNS = newCgroup
	if len(join) > 0 || unshare != 0 || p.cloneFlags&unix.CLONE_NEWUSER != 0 {
		c.dieWithParent()
	}
	return nil
}

// waitIDMap adds the wait for the parent's writing of the id maps of the
// user namespace the child is in (rootless: through newuidmap when the
// mapping is not just the caller's own ids, as runc does).
func (c *compiler) waitIDMap(l *specs.Linux) {
	p := c.p
	euid, egid := uint32(os.Geteuid()), uint32(os.Getegid())
	ownGID := len(l.GIDMappings) == 1 && l.GIDMappings[0] == specs.LinuxIDMapping{ContainerID: 0, HostID: egid, Size: 1}
	p.idmap = &IDMap{UIDs: l.UIDMappings, GIDs: l.GIDMappings, SetgroupsDeny: euid != 0 && ownGID}
	s := p.addOp(opWaitIDMap, "wait for the user namespace mappings")
	if euid != 0 {
		// newuidmap checks that the target's /proc files are the
		// caller's: the child is dumpable while it waits.
		s.n[0] = 1
	}
}

// nsGetNSType is NS_GET_NSTYPE (_IO(0xb7, 0x3)); x/sys lacks it.
const nsGetNSType = 0xb703

// OpenNamespace opens a namespace file and checks it is of type t: setns
// is called with nstype 0, so a network path naming, say, an IPC namespace
// would otherwise be joined silently as the wrong namespace.
func OpenNamespace(t specs.LinuxNamespaceType, path string) (int, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("linux.namespaces: open %s namespace %s: %w", t, path, err)
	}
	got, err := unix.IoctlRetInt(fd, nsGetNSType)
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("linux.namespaces: %s namespace %s is not a namespace file: %w", t, path, err)
	}
	if uintptr(got) != cloneFlags[t] {
		unix.Close(fd)
		return -1, fmt.Errorf("linux.namespaces: %s is not a %s namespace", path, t)
	}
	return fd, nil
}

// NamespaceFlag is the CLONE_NEW* flag of t.
func NamespaceFlag(t specs.LinuxNamespaceType) uintptr { return cloneFlags[t] }

func mapsRoot(m []specs.LinuxIDMapping) bool {
	for _, e := range m {
		if e.ContainerID == 0 && e.Size > 0 {
			return true
		}
	}
	return false
}

// timeOffsets renders linux.timeOffsets as timens_offsets lines.
func timeOffsets(offs map[string]specs.LinuxTimeOffset) string {
	var b strings.Builder
	for clock, o := range offs {
		fmt.Fprintf(&b, "%s %d %d\n", clock, o.Secs, o.Nanosecs)
	}
	return b.String()
}
