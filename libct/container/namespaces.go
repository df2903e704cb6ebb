package container

import (
	"errors"
	"fmt"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/initproc"
)

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

// joinOrder is the order namespaces are entered: the user namespace first
// so the others are joined with its privileges, the mount namespace last
// because it changes the root the remaining paths would resolve in.
var joinOrder = []specs.LinuxNamespaceType{
	specs.UserNamespace, specs.IPCNamespace, specs.UTSNamespace,
	specs.NetworkNamespace, specs.CgroupNamespace, specs.TimeNamespace,
	specs.MountNamespace,
}

// namespaceOpts decides how each namespace of the spec is made:
//   - new namespaces are clone flags of the child (Go writes the id maps),
//     except the cgroup one, unshared by the init once it is in its cgroup;
//   - joined ones (path) are entered by the nsenter constructor, before Go
//     starts in the child, and then the new ones are unshared there too so
//     they belong to the joined user namespace;
//   - a new time namespace is always unshared by the constructor: clone(2)
//     cannot make one, and its offsets must be written before any process
//     is in it, which only a single-threaded process can arrange (the
//     init's execve of the user's process then enters it);
//   - a joined pid namespace is entered on the spawning thread
//     (threadNamespaceOps).
func namespaceOpts(spec *specs.Spec, co *childOpts, cfg *initproc.Config) error {
	if spec.Linux == nil {
		return nil
	}
	paths := map[specs.LinuxNamespaceType]string{}
	var newFlags uintptr
	for _, ns := range spec.Linux.Namespaces {
		switch {
		case ns.Type == specs.PIDNamespace:
			if ns.Path == "" {
				newFlags |= unix.CLONE_NEWPID
			}
		case ns.Path != "":
			paths[ns.Type] = ns.Path
		case ns.Type == specs.CgroupNamespace:
			cfg.NewCgroupNS = true
		case ns.Type == specs.TimeNamespace:
			co.unshare |= unix.CLONE_NEWTIME
			co.timeOffsets = timeOffsets(spec.Linux.TimeOffsets)
		default:
			f, ok := cloneFlags[ns.Type]
			if !ok {
				return fmt.Errorf("linux.namespaces: unknown namespace type %q", ns.Type)
			}
			newFlags |= f
		}
		if ns.Type == specs.UserNamespace {
			cfg.UserNS = true
		}
	}
	if _, joinUser := paths[specs.UserNamespace]; joinUser {
		// New namespaces must belong to the joined user namespace, so
		// the constructor unshares them once inside; for a pid namespace
		// it then forks the init (see adoptInit).
		co.unshare |= int(newFlags)
		co.forkInit = newFlags&unix.CLONE_NEWPID != 0
	} else {
		co.cloneFlag = newFlags
		if newFlags&unix.CLONE_NEWUSER != 0 {
			// The init becomes root of the new namespace to set it up
			// (see newChild); without a 0 mapping that is EINVAL.
			if !mapsRoot(spec.Linux.UIDMappings) || !mapsRoot(spec.Linux.GIDMappings) {
				return errors.New("linux.uidMappings/gidMappings: a new user namespace must map container id 0")
			}
			co.uidMaps = idMaps(spec.Linux.UIDMappings)
			co.gidMaps = idMaps(spec.Linux.GIDMappings)
			rootlessUserNS(spec.Linux, co)
		}
	}
	for _, t := range joinOrder {
		p, ok := paths[t]
		if !ok {
			continue
		}
		fd, err := openNamespace(t, p)
		if err != nil {
			for _, fd := range co.setns {
				unix.Close(fd)
			}
			co.setns = nil
			return err
		}
		co.setns = append(co.setns, fd)
	}
	return nil
}

// threadNamespaceOps returns the namespace changes to make on the spawning
// thread: only a joined pid namespace (a new one is a clone flag).
func threadNamespaceOps(spec *specs.Spec) ([]nsOp, error) {
	if spec.Linux == nil {
		return nil, nil
	}
	var ops []nsOp
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type != specs.PIDNamespace {
			continue
		}
		if ns.Path != "" {
			fd, err := openNamespace(ns.Type, ns.Path)
			if err != nil {
				for _, op := range ops {
					unix.Close(op.fd)
				}
				return nil, err
			}
			ops = append(ops, nsOp{fd: fd})
		}
	}
	return ops, nil
}

// nsGetNSType is NS_GET_NSTYPE (_IO(0xb7, 0x3)); x/sys lacks it.
const nsGetNSType = 0xb703

// openNamespace opens a namespace file and checks it is of type t: setns
// is called with nstype 0, so a network path naming, say, an IPC namespace
// would otherwise be joined silently as the wrong namespace.
func openNamespace(t specs.LinuxNamespaceType, path string) (int, error) {
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

func mapsRoot(m []specs.LinuxIDMapping) bool {
	for _, e := range m {
		if e.ContainerID == 0 && e.Size > 0 {
			return true
		}
	}
	return false
}

func idMaps(m []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, 0, len(m))
	for _, e := range m {
		out = append(out, syscall.SysProcIDMap{ContainerID: int(e.ContainerID), HostID: int(e.HostID), Size: int(e.Size)})
	}
	return out
}
