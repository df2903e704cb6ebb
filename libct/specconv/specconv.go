// Package specconv builds the config.json that `rt spec` writes and
// answers the questions about a spec that several packages ask.
package specconv

import (
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultCaps is the small set a shell needs; anything more is opt-in.
var defaultCaps = []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}

// Example returns a fresh spec for a shell in ./rootfs with the usual
// isolation: every namespace but user, time and (unless the host is pure
// cgroup v2) cgroup, the default mounts, and the /proc and /sys paths a
// container must not see or write masked.
//
// A cgroup namespace on a v1 or hybrid host would make /proc/self/cgroup
// and the v1 mounts show paths relative to the container's cgroups, which
// tools there do not expect; runc adds it on pure v2 only, and so does rt.
func Example() *specs.Spec {
	s := example()
	if pureV2() {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	}
	return s
}

func pureV2() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

func example() *specs.Spec {
	return &specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: "rootfs", Readonly: true},
		Process: &specs.Process{
			Terminal: true,
			User:     specs.User{},
			Args:     []string{"sh"},
			Env: []string{
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"TERM=xterm",
			},
			Cwd:             "/",
			NoNewPrivileges: true,
			Capabilities: &specs.LinuxCapabilities{
				Bounding:  clone(defaultCaps),
				Effective: clone(defaultCaps),
				Permitted: clone(defaultCaps),
			},
			Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
		},
		Hostname: "rt",
		Mounts:   defaultMounts(),
		Linux: &specs.Linux{
			MaskedPaths: []string{
				"/proc/acpi",
				"/proc/asound",
				"/proc/interrupts",
				"/proc/kcore",
				"/proc/keys",
				"/proc/latency_stats",
				"/proc/timer_list",
				"/proc/timer_stats",
				"/proc/sched_debug",
				"/proc/scsi",
				"/sys/firmware",
				"/sys/devices/virtual/powercap",
			},
			ReadonlyPaths: []string{
				"/proc/bus",
				"/proc/fs",
				"/proc/irq",
				"/proc/sys",
				"/proc/sysrq-trigger",
			},
			Resources: &specs.LinuxResources{
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			},
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace},
				{Type: specs.NetworkNamespace},
				{Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace},
				{Type: specs.MountNamespace},
			},
		},
	}
}

func defaultMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{
			Destination: "/dev", Type: "tmpfs", Source: "tmpfs",
			Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"},
		},
		{
			Destination: "/dev/pts", Type: "devpts", Source: "devpts",
			Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"},
		},
		{
			Destination: "/dev/shm", Type: "tmpfs", Source: "shm",
			Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"},
		},
		{
			Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue",
			Options: []string{"nosuid", "noexec", "nodev"},
		},
		{
			Destination: "/sys", Type: "sysfs", Source: "sysfs",
			Options: []string{"nosuid", "noexec", "nodev", "ro"},
		},
		{
			Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
			Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"},
		},
	}
}

// ToRootless adapts s for a container started by an unprivileged user: a
// user namespace mapping only the caller's own uid and gid to root, no
// network namespace (it could not be wired up), /sys bind-mounted from the
// host (sysfs cannot be mounted without owning the network namespace), no
// uid=/gid= options (no mapping exists for them) and no resources (the
// caller usually cannot write to cgroups). The cgroup mount stays, as in
// runc's and crun's: without a cgroup of its own, the container's shows
// the caller's.
func ToRootless(s *specs.Spec) {
	toRootless(s, uint32(os.Geteuid()), uint32(os.Getegid()))
}

func toRootless(s *specs.Spec, uid, gid uint32) {
	if s.Linux == nil {
		s.Linux = &specs.Linux{}
	}
	l := s.Linux
	var namespaces []specs.LinuxNamespace
	for _, ns := range l.Namespaces {
		if ns.Type != specs.NetworkNamespace && ns.Type != specs.UserNamespace {
			namespaces = append(namespaces, ns)
		}
	}
	l.Namespaces = append(namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	l.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uid, Size: 1}}
	l.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: gid, Size: 1}}
	l.Resources = nil

	var mounts []specs.Mount
	for _, m := range s.Mounts {
		switch {
		case m.Destination == "/sys":
			m = specs.Mount{
				Destination: "/sys", Type: "none", Source: "/sys",
				Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"},
			}
		default:
			m.Options = withoutIDs(m.Options)
		}
		mounts = append(mounts, m)
	}
	s.Mounts = mounts
}

func withoutIDs(opts []string) []string {
	var out []string
	for _, o := range opts {
		if !strings.HasPrefix(o, "gid=") && !strings.HasPrefix(o, "uid=") {
			out = append(out, o)
		}
	}
	return out
}

func clone(s []string) []string {
	return append([]string(nil), s...)
}
