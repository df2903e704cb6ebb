// Package cgroups places container processes in cgroups and applies
// linux.resources to them.
//
// # Layouts
//
// The host layout is detected once per process from /proc/self/mountinfo:
//
//   - v1: every controller is a "cgroup" mount (possibly several controllers
//     co-mounted, e.g. cpu,cpuacct). The fs1 driver makes one directory per
//     hierarchy.
//   - hybrid: v1 controllers plus a "cgroup2" mount (usually
//     /sys/fs/cgroup/unified). The fs1 driver also makes the cgroup in the
//     unified hierarchy (Paths key "") and moves the process there, so tools
//     that look at the v2 tree see the container. Controllers that the kernel
//     bound to the v2 hierarchy (for instance hugetlb when it is not mounted
//     as v1) are driven there with the v2 file names.
//   - v2: /sys/fs/cgroup is the only, unified hierarchy. The fs2 driver
//     enables every available controller in each ancestor's
//     cgroup.subtree_control (the "no internal processes" rule means those
//     ancestors must not hold processes themselves) and writes v2 files.
//
// # Paths
//
// linux.cgroupsPath is absolute (used as is below every hierarchy's mount),
// relative (below the caller's own cgroup in each hierarchy, as read from
// /proc/self/cgroup) or empty, meaning "/rt/<container id>". Paths with ".."
// components are rejected.
//
// # systemd driver
//
// With Config.Systemd (--systemd-cgroup) linux.cgroupsPath is
// "slice:prefix:name", as with runc: the container gets the transient unit
// "<prefix>-<name>.scope" (Delegate=yes, DefaultDependencies=no) in
// "slice" ("" = system.slice), or the slice unit "name" when name ends in
// ".slice"; an empty cgroupsPath means "system.slice:rt:<id>". systemd
// only makes a scope together with its first process, so Apply(0) and Set
// just remember and Apply(pid) starts the unit over D-Bus with the limits
// systemd has properties for (MemoryMax/MemoryLimit, MemoryLow,
// MemorySwapMax, CPUWeight/CPUShares, CPUQuotaPerSecUSec and
// CPUQuotaPeriodUSec, AllowedCPUs/AllowedMemoryNodes, TasksMax,
// BlockIOWeight), waits for the job, and then drives the unit's cgroup
// (mount + expanded slice + unit in every hierarchy) with the fs1/fs2 code,
// which writes every limit, devices included. Paths carries the unit name
// under SystemdUnitKey so Load can rebuild the manager; DirPaths drops it.
// Update writes the files, then sets the unit's properties (runtime
// only); the CFS quota in the files is the one systemd rounds to, so the
// two agree. Destroy stops the unit, then removes what is left. Where
// systemd is not PID 1, New fails with ErrNoSystemd.
//
// # Conversions between v1 values (spec) and v2 files
//
//   - cpu.shares -> cpu.weight: weight = ceil(10^((l*l + 125*l)/612 - 7/34))
//     with l = log2(shares), clamped to [1, 10000]. This is the quadratic (in
//     log space) curve used by current crun and runc: it maps 2 -> 1,
//     1024 -> 100 (both defaults) and 262144 -> 10000, where the older linear
//     formula 1 + (shares-2)*9999/262142 mapped the default 1024 to 39.
//   - quota/period -> cpu.max "<quota|max> <period>" (quota <= 0 is max).
//   - memory swap: the spec's swap is memory+swap, as v1's
//     memory.memsw.limit_in_bytes; v2's memory.swap.max is swap only, so it
//     gets swap - limit (-1 stays "max").
//   - blkio weight (10..1000) -> io.weight (1..10000):
//     1 + (w-10)*9999/990. io.bfq.weight takes the v1 value unchanged and is
//     preferred when it exists.
//   - pids limit < 0 -> "max", 0 -> 1 (systemd takes no TasksMax=0).
package cgroups

import (
	"errors"
	"fmt"
	"log/slog"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Config says where the container's cgroup is and which driver to use.
type Config struct {
	// Path is linux.cgroupsPath as given in config.json ("" = default).
	Path string
	// ID is the container ID, used for the default path.
	ID string
	// Systemd selects the systemd driver (--systemd-cgroup).
	Systemd bool
	// Rootless: the caller may have no permission on cgroups (see
	// rootlessManager); with Systemd, the user's own systemd is used.
	Rootless bool
}

// Manager is what the lifecycle code needs from a cgroup driver.
type Manager interface {
	// Apply creates the cgroup (all hierarchies) and moves pid into it.
	// pid 0 only creates the directories.
	Apply(pid int) error
	// Set writes the resource limits of a new container.
	Set(r *specs.LinuxResources) error
	// Update is Set for a running container (`rt update`; merging the
	// old and new resources is the caller's job): everything but the
	// device rules is applied. Like runc's update it cannot change
	// devices, and on v1 rewriting them starts with a deny-all, so the
	// container's processes would briefly fail to open even /dev/null.
	// It is all or nothing: when a write fails, every value already
	// changed is put back (see journal), for the systemd driver the
	// unit's properties too, and the error names the field that failed.
	Update(r *specs.LinuxResources) error
	// Paths maps a controller name to its directory; "" is the unified path.
	// It is what rt persists in its state so later commands can find the cgroup.
	Paths() map[string]string
	// Destroy removes the cgroup directories. The caller makes sure no
	// process is left; exiting ones are waited for briefly.
	Destroy() error
	// GetPids lists every process in the cgroup, recursively.
	GetPids() ([]int, error)
	// Freeze and Thaw implement pause/resume; Freeze returns once the
	// kernel reports the cgroup frozen.
	Freeze() error
	Thaw() error
	// State reports whether the cgroup is frozen (or freezing).
	State() (paused bool, err error)
	// Stats reads usage counters in the shape of `runc events --stats`.
	Stats() (*Stats, error)
	// Exists reports whether the cgroup directory is still there.
	Exists() bool
}

// New resolves the container's cgroup directories for the host layout.
// It creates nothing; Apply does.
func New(c Config) (Manager, error) {
	if c.Systemd {
		return newSystemd(c)
	}
	l, err := hostLayout()
	if err != nil {
		return nil, err
	}
	own, err := ownCgroups()
	if err != nil {
		return nil, err
	}
	p, err := containerPath(c.Path, c.ID)
	if err != nil {
		return nil, err
	}
	fm, err := newManager(l, own, p)
	if err != nil {
		return nil, err
	}
	if c.Rootless {
		return &rootlessManager{Manager: fm, explicit: c.Path != ""}, nil
	}
	return fm, nil
}

// fileManager is a driver that writes the cgroupfs files itself (fs1,
// fs2); the systemd driver has one for the unit's cgroup.
type fileManager interface {
	Manager
	// update is Update's writes, each recorded in j.
	update(j *journal, r *specs.LinuxResources) error
}

// newManager is New without the host lookups, so tests can feed fixtures.
func newManager(l *layout, own map[string]string, p string) (fileManager, error) {
	if l.mode == modeV2 {
		dir, err := resolveDir(l.unified, own[""], p)
		if err != nil {
			return nil, err
		}
		return &fs2Manager{u: &unifiedDir{dir: dir, mount: l.unified.mountpoint}, defaultPath: isDefaultPath(p)}, nil
	}
	m := &fs1Manager{paths: map[string]string{}, layout: l, defaultPath: isDefaultPath(p)}
	for _, h := range l.v1 {
		dir, err := resolveDir(h, own[h.key()], p)
		if err != nil {
			return nil, err
		}
		for _, c := range h.controllers {
			m.paths[c] = dir
		}
	}
	if l.mode == modeHybrid {
		dir, err := resolveDir(l.unified, own[""], p)
		if err != nil {
			return nil, err
		}
		m.unified = &unifiedDir{dir: dir, mount: l.unified.mountpoint, hybrid: true}
	}
	return m, nil
}

// ErrNotDelegated is what Load returns for a container that has no cgroup: a
// rootless one whose user may not write the cgroup tree (runc's rules), so
// nothing can be frozen, listed, limited or measured.
var ErrNotDelegated = errors.New("the container has no cgroup (rootless, and no cgroup is delegated to the user)")

// Load rebuilds a Manager from what Paths returned in an earlier process.
func Load(paths map[string]string) (Manager, error) {
	if len(paths) == 0 {
		return nil, ErrNotDelegated
	}
	if unit, ok := paths[SystemdUnitKey]; ok {
		return loadSystemd(unit, DirPaths(paths), paths[SystemdUserKey] == "1")
	}
	return loadFiles(paths)
}

// Frozen tells whether the cgroup at paths (as Manager.Paths saved them)
// is frozen, as its manager's State would, but from the freezer's file
// alone: a container's status asks it of every live container (state,
// start, kill, exec), and Load would parse /proc/self/mountinfo first.
// Without a freezer (or a cgroup.freeze) it is not frozen.
func Frozen(paths map[string]string) (bool, error) {
	dirs := DirPaths(paths)
	return frozenAt(dirs["freezer"], dirs[""])
}

// loadFiles is Load for the cgroupfs drivers.
func loadFiles(paths map[string]string) (fileManager, error) {
	l, err := hostLayout()
	if err != nil {
		return nil, err
	}
	if l.mode == modeV2 {
		dir, ok := paths[""]
		if !ok || len(paths) != 1 {
			return nil, fmt.Errorf("cgroups: load: host is cgroup v2 but saved paths are v1: %v", paths)
		}
		return &fs2Manager{u: &unifiedDir{dir: dir, mount: l.unified.mountpoint}, defaultPath: defaultDir(dir)}, nil
	}
	m := &fs1Manager{paths: map[string]string{}, layout: l}
	for k, v := range paths {
		if k == "" {
			if l.unified == nil {
				return nil, errors.New("cgroups: load: saved unified path but host has no cgroup2 mount")
			}
			m.unified = &unifiedDir{dir: v, mount: l.unified.mountpoint, hybrid: true}
			continue
		}
		m.paths[k] = v
		if defaultDir(v) {
			m.defaultPath = true
		}
	}
	return m, nil
}

// IsV2 reports whether the host runs the pure unified hierarchy.
func IsV2() bool {
	l, err := hostLayout()
	return err == nil && l.mode == modeV2
}

// fieldError names the spec field that could not be applied, so users can
// tell which part of linux.resources to drop.
func fieldError(field, format string, a ...any) error {
	return fmt.Errorf("cgroups: linux.resources.%s: %s", field, fmt.Sprintf(format, a...))
}

// warnIgnored logs a field rt accepts but cannot apply on this host; used
// for deprecated knobs whose absence changes no isolation guarantee.
func warnIgnored(field, why string) {
	slog.Warn("cgroups: ignoring linux.resources."+field, "reason", why)
}
