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
	specs.NetworkNamespace, specs.CgroupNamespace, specs.MountNamespace,
}

// namespaceOpts decides how each namespace of the spec is made:
//   - new namespaces are clone flags of the child (Go writes the id maps),
//     except the cgroup one, unshared by the init once it is in its cgroup;
//   - joined ones (path) are entered by the nsenter constructor, before Go
//     starts in the child, and then the new ones are unshared there too so
//     they belong to the joined user namespace;
//   - pid and time are handled on the spawning thread (threadNamespaceOps).
func namespaceOpts(spec *specs.Spec, co *childOpts, cfg *initproc.Config) error {
	if spec.Linux == nil {
		return nil
	}
	paths := map[specs.LinuxNamespaceType]string{}
	var newFlags uintptr
	for _, ns := range spec.Linux.Namespaces {
		switch {
		case ns.Type == specs.PIDNamespace || ns.Type == specs.TimeNamespace:
			if ns.Path == "" && ns.Type == specs.PIDNamespace {
				newFlags |= unix.CLONE_NEWPID
			}
		case ns.Path != "":
			paths[ns.Type] = ns.Path
		case ns.Type == specs.CgroupNamespace:
			cfg.NewCgroupNS = true
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
		if newFlags&unix.CLONE_NEWPID != 0 {
			return errors.New("linux.namespaces: a new pid namespace inside a joined user namespace is not supported")
		}
		co.unshare = int(newFlags)
	} else {
		co.cloneFlag = newFlags
		if newFlags&unix.CLONE_NEWUSER != 0 {
			co.uidMaps = idMaps(spec.Linux.UIDMappings)
			co.gidMaps = idMaps(spec.Linux.GIDMappings)
		}
	}
	for _, t := range joinOrder {
		p, ok := paths[t]
		if !ok {
			continue
		}
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			for _, fd := range co.setns {
				unix.Close(fd)
			}
			co.setns = nil
			return fmt.Errorf("linux.namespaces: open %s namespace %s: %w", t, p, err)
		}
		co.setns = append(co.setns, fd)
	}
	return nil
}

// threadNamespaceOps returns the pid and time namespace changes to make on
// the spawning thread: a joined pid namespace, a joined time namespace, or
// a new time namespace with its offsets (which can only be written before
// any process lives in it, so the parent creates it).
func threadNamespaceOps(spec *specs.Spec, _ bool) ([]nsOp, error) {
	if spec.Linux == nil {
		return nil, nil
	}
	var ops []nsOp
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type != specs.PIDNamespace && ns.Type != specs.TimeNamespace {
			continue
		}
		if ns.Path != "" {
			fd, err := unix.Open(ns.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				for _, op := range ops {
					unix.Close(op.fd)
				}
				return nil, fmt.Errorf("linux.namespaces: open %s namespace %s: %w", ns.Type, ns.Path, err)
			}
			ops = append(ops, nsOp{fd: fd})
		} else if ns.Type == specs.TimeNamespace {
			ops = append(ops, nsOp{fd: -1, newTime: timeOffsets(spec.Linux.TimeOffsets)})
		}
	}
	return ops, nil
}

func idMaps(m []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, 0, len(m))
	for _, e := range m {
		out = append(out, syscall.SysProcIDMap{ContainerID: int(e.ContainerID), HostID: int(e.HostID), Size: int(e.Size)})
	}
	return out
}
