package validate

import (
	"fmt"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/specconv"
)

// ipcSysctls are the kernel.* sysctls an IPC namespace holds that runc and
// crun let a container set (the *_next_id ones are namespaced too, but
// only checkpoint/restore has a use for them, and neither runtime allows them).
var ipcSysctls = map[string]bool{
	"msgmax": true, "msgmnb": true, "msgmni": true, "sem": true,
	"shmall": true, "shmmax": true, "shmmni": true, "shm_rmid_forced": true,
}

// checkSysctl lets through only the sysctls of a namespace that is the
// container's own, as runc does: without one, or with a path to the
// namespace rt itself runs in (Docker's --network host passes a bind of
// the host's network namespace), the write would change the host.
func checkSysctl(s *specs.Spec) error {
	own := ownNamespaces{spec: s}
	for key, value := range s.Linux.Sysctl {
		parts, err := sysctlParts(key)
		if err != nil {
			return errf("linux.sysctl: %v", err)
		}
		if err := checkSysctlKey(s, &own, key, value, parts); err != nil {
			return err
		}
	}
	return nil
}

func checkSysctlKey(s *specs.Spec, own *ownNamespaces, key, value string, parts []string) error {
	field := fmt.Sprintf("linux.sysctl %q", key)
	var ns specs.LinuxNamespaceType
	switch {
	case parts[0] == "net":
		ns = specs.NetworkNamespace
	case parts[0] == "fs" && len(parts) > 2 && parts[1] == "mqueue",
		parts[0] == "kernel" && len(parts) == 2 && ipcSysctls[parts[1]]:
		ns = specs.IPCNamespace
	case parts[0] == "user" && len(parts) == 2:
		// ucounts limits: per user namespace.
		ns = specs.UserNamespace
	case parts[0] == "kernel" && len(parts) == 2 && parts[1] == "hostname":
		// Namespaced, but hostname is the field that sets it.
		return errf("%s is not allowed as it conflicts with the OCI %q field", field, "hostname")
	case parts[0] == "kernel" && len(parts) == 2 && parts[1] == "domainname":
		if s.Domainname != "" && s.Domainname != value {
			return errf("%s is not allowed as it conflicts with the OCI %q field", field, "domainname")
		}
		ns = specs.UTSNamespace
	default:
		return errf("%s is not in a separate kernel namespace", field)
	}
	isOwn, err := own.has(ns)
	if err != nil {
		return err
	}
	if !isOwn {
		return errf("%s not allowed in host %s namespace", field, ns)
	}
	return nil
}

// ownNamespaces answers, once per type, whether the spec gives the
// container a namespace of that type other than rt's own.
type ownNamespaces struct {
	spec *specs.Spec
	seen map[specs.LinuxNamespaceType]bool
}

func (o *ownNamespaces) has(t specs.LinuxNamespaceType) (bool, error) {
	if v, ok := o.seen[t]; ok {
		return v, nil
	}
	ns, ok := specconv.Namespace(o.spec, t)
	own := ok
	if ok && ns.Path != "" {
		shared, err := sameNamespace(ns.Path, "/proc/self/ns/"+procNsName(t))
		if err != nil {
			return false, errf("linux.namespaces: %s namespace path: %v", t, oneLine(err))
		}
		own = !shared
	}
	if o.seen == nil {
		o.seen = map[specs.LinuxNamespaceType]bool{}
	}
	o.seen[t] = own
	return own, nil
}

// procNsName is the name of a namespace type under /proc/PID/ns.
func procNsName(t specs.LinuxNamespaceType) string {
	switch t {
	case specs.NetworkNamespace:
		return "net"
	case specs.MountNamespace:
		return "mnt"
	case specs.PIDNamespace:
		return "pid"
	}
	return string(t) // ipc, uts, user, cgroup, time
}

// sameNamespace compares two namespace files by device and inode, which
// is what identifies a namespace whatever path (a bind mount of it, a
// /proc/PID/ns link) names it.
func sameNamespace(a, b string) (bool, error) {
	var sa, sb unix.Stat_t
	if err := unix.Stat(a, &sa); err != nil {
		return false, &os.PathError{Op: "stat", Path: a, Err: err}
	}
	if err := unix.Stat(b, &sb); err != nil {
		return false, &os.PathError{Op: "stat", Path: b, Err: err}
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino, nil
}

// SysctlPath returns the path of a sysctl below the procfs root
// ("net.ipv4.ip_forward" -> "sys/net/ipv4/ip_forward"). Keys written with
// slashes keep their dots, so "net/ipv4/conf/eth0.100/forwarding" works.
func SysctlPath(key string) (string, error) {
	parts, err := sysctlParts(key)
	if err != nil {
		return "", err
	}
	return "sys/" + strings.Join(parts, "/"), nil
}

// sysctlParts splits a key written either with dots ("net.ipv4.ip_forward")
// or with slashes ("net/ipv4/conf/eth0.100/forwarding", as sysctl(8) allows
// for names containing dots). Each part becomes a path element under
// /proc/sys, so "." and ".." are refused.
func sysctlParts(key string) ([]string, error) {
	sep := "."
	if strings.Contains(key, "/") {
		sep = "/"
	}
	parts := strings.Split(key, sep)
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsRune(p, 0) {
			return nil, fmt.Errorf("invalid key %q", key)
		}
	}
	return parts, nil
}
