package cgroups

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Lack is a part of linux.resources (or linux.cgroupsPath) that the
// container's cgroup would not get on this host.
type Lack struct {
	// Field is the config.json field, "linux.resources.memory" or
	// "linux.cgroupsPath".
	Field string
	// Why says what the host lacks, without the field.
	Why string
}

// limitNeed is one controller a set limit needs.
type limitNeed struct {
	field string // below linux.resources, as fieldError names it
	ctrl  string
}

// Lacking predicts, reading the cgroup tree and writing nothing, which
// limits of r the cgroup m was resolved to (by New) would not get: a
// controller the host does not have (v1: not mounted; v2: not in the root's
// cgroup.controllers), one an ancestor does not pass down and rt could not
// enable (it holds processes, or its cgroup.subtree_control is not ours to
// write), a field the host's cgroup version has no file for, a huge page
// size the kernel does not offer. It follows what Apply and Set do: v2
// controllers are enabled top-down where they can be, a hybrid host's
// hugetlb is driven in the unified hierarchy, and a rootless container
// without a writable cgroup runs without one unless it asks for a path or
// a limit.
func Lacking(m Manager, r *specs.LinuxResources) []Lack {
	switch m := m.(type) {
	case *systemdManager:
		return Lacking(m.fs, r)
	case *rootlessManager:
		return lackingRootless(m, r)
	case *fs2Manager:
		return lackingV2(m.u, r)
	case *fs1Manager:
		return lackingV1(m, r)
	}
	return nil
}

// needs lists the controllers r's limits need, in Set's order, with the
// field fieldError names. v2 says which hierarchy's names apply.
func needs(r *specs.LinuxResources, v2 bool) []limitNeed {
	if r == nil {
		return nil
	}
	r = Normalize(r)
	var out []limitNeed
	add := func(set bool, field, ctrl string) {
		if set {
			out = append(out, limitNeed{field, ctrl})
		}
	}
	if m := r.Memory; m != nil {
		add(m.Limit != nil || m.Reservation != nil || m.Swap != nil || m.Kernel != nil || m.KernelTCP != nil || //nolint:staticcheck // still a limit
			m.Swappiness != nil || m.DisableOOMKiller != nil || m.UseHierarchy != nil || m.CheckBeforeUpdate != nil,
			"memory", "memory")
	}
	if c := r.CPU; c != nil {
		add(c.Shares != nil || c.Quota != nil || c.Period != nil || c.Burst != nil || c.RealtimeRuntime != nil ||
			c.RealtimePeriod != nil || c.Idle != nil, "cpu", "cpu")
		add(c.Cpus != "", "cpu.cpus", "cpuset")
		add(c.Mems != "", "cpu.mems", "cpuset")
	}
	add(r.Pids != nil && r.Pids.Limit != nil, "pids", "pids")
	if b := r.BlockIO; b != nil {
		ctrl := "blkio"
		if v2 {
			ctrl = "io"
		}
		add(b.Weight != nil || b.LeafWeight != nil || len(b.WeightDevice) > 0 || len(b.ThrottleReadBpsDevice) > 0 ||
			len(b.ThrottleWriteBpsDevice) > 0 || len(b.ThrottleReadIOPSDevice) > 0 || len(b.ThrottleWriteIOPSDevice) > 0,
			"blockIO", ctrl)
	}
	add(len(r.HugepageLimits) > 0, "hugepageLimits", "hugetlb")
	if n := r.Network; n != nil {
		add(n.ClassID != nil, "network.classID", "net_cls")
		add(len(n.Priorities) > 0, "network.priorities", "net_prio")
	}
	add(len(r.Rdma) > 0, "rdma", "rdma")
	keys := make([]string, 0, len(r.Unified))
	for k := range r.Unified {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		// A key validate lets through but that names no controller is
		// Set's to refuse.
		if ctrl, err := unifiedKeyController(k); err == nil {
			out = append(out, limitNeed{fmt.Sprintf("unified[%q]", k), ctrl})
		}
	}
	return out
}

func lack(field, format string, a ...any) Lack {
	return Lack{Field: "linux.resources." + field, Why: fmt.Sprintf(format, a...)}
}

func lackingV1(m *fs1Manager, r *specs.LinuxResources) []Lack {
	var out []Lack
	for _, n := range needs(r, false) {
		switch {
		case strings.HasPrefix(n.field, "unified["):
			// "invalid configuration" is runc's word for it, as Set says.
			out = append(out, lack(n.field, "invalid configuration: only supported on cgroup v2 (this host is %s)", m.layout.mode))
			continue
		case n.ctrl == "hugetlb" && m.paths["hugetlb"] == "" && m.unified != nil && m.unifiedHas("hugetlb"):
			// Driven in the unified hierarchy, as v2.
			if why := v2Lacks(m.unified, "hugetlb"); why != "" {
				out = append(out, lack(n.field, "%s", why))
			}
		case m.paths[n.ctrl] == "":
			out = append(out, lack(n.field, "the %s controller is not mounted (cgroup %s)", n.ctrl, m.layout.mode))
			continue
		}
		if n.ctrl == "hugetlb" {
			out = append(out, lackingPageSizes(r.HugepageLimits)...)
		}
	}
	if m.paths["devices"] == "" && r != nil && len(r.Devices) > 0 {
		out = append(out, lack("devices", "the devices controller is not mounted (cgroup %s)", m.layout.mode))
	}
	return out
}

func lackingV2(u *unifiedDir, r *specs.LinuxResources) []Lack {
	var out []Lack
	for _, n := range needs(r, true) {
		if n.ctrl == "net_cls" || n.ctrl == "net_prio" {
			out = append(out, lack(n.field, "cgroup v2 has no %s controller", n.ctrl))
			continue
		}
		if why := v2Lacks(u, n.ctrl); why != "" {
			out = append(out, lack(n.field, "%s", why))
			continue
		}
		if n.ctrl == "hugetlb" {
			out = append(out, lackingPageSizes(r.HugepageLimits)...)
		}
	}
	return out
}

// v2Lacks tells why the cgroup u.dir would not get ctrl, or "". Walking
// down from the root as enable does: an ancestor that does not pass ctrl
// on must be one rt can make pass it on.
func v2Lacks(u *unifiedDir, ctrl string) string {
	avail, err := readList(u.mount, "cgroup.controllers")
	if err != nil {
		return err.Error()
	}
	if !slices.Contains(avail, ctrl) {
		return fmt.Sprintf("the kernel offers no %s controller (not in %s)", ctrl, filepath.Join(u.mount, "cgroup.controllers"))
	}
	dirs := append(u.ancestors(), u.dir)
	for i := 0; i+1 < len(dirs); i++ {
		parent := dirs[i]
		on, err := readList(parent, "cgroup.subtree_control")
		if err != nil {
			return err.Error()
		}
		if !slices.Contains(on, ctrl) {
			// rt writes "+ctrl" to the parent's subtree_control.
			if parent != u.mount && holdsProcesses(parent) {
				return fmt.Sprintf("the %s controller is not delegated: %s holds processes, so it cannot enable the controller for its children", ctrl, parent)
			}
			if err := unix.Access(filepath.Join(parent, "cgroup.subtree_control"), unix.W_OK); err != nil {
				return fmt.Sprintf("the %s controller is not delegated to uid %d: %s does not enable it and its cgroup.subtree_control is not writable", ctrl, os.Geteuid(), parent)
			}
		}
		if _, err := os.Stat(dirs[i+1]); err != nil {
			// rt makes the rest; new cgroups hold no processes.
			break
		}
	}
	return ""
}

func holdsProcesses(dir string) bool {
	s, err := readFile(dir, "cgroup.procs")
	return err == nil && strings.TrimSpace(s) != ""
}

func lackingPageSizes(limits []specs.LinuxHugepageLimit) []Lack {
	sizes, err := hostHugePageSizes()
	if err != nil {
		return []Lack{lack("hugepageLimits", "%v", err)}
	}
	var out []Lack
	for i, l := range limits {
		if !slices.Contains(sizes, l.Pagesize) {
			out = append(out, lack(fmt.Sprintf("hugepageLimits[%d].pageSize", i), "the kernel offers no %q huge pages (it has %s)", l.Pagesize, strings.Join(sizes, ", ")))
		}
	}
	return out
}

// lackingRootless follows rootlessManager: when the user may not make the
// cgroup, the container runs without one, which is only a problem for a
// cgroupsPath asked for or a limit.
func lackingRootless(m *rootlessManager, r *specs.LinuxResources) []Lack {
	for _, d := range dirsOf(m.Manager) {
		if canMake(d) {
			continue
		}
		// runc's words, which its tests and users look for (Apply and
		// Set say them too).
		why := fmt.Sprintf("the cgroup tree is not delegated to uid %d: cannot create %s: permission denied", os.Geteuid(), d)
		if m.explicit {
			return []Lack{{Field: "linux.cgroupsPath", Why: "unable to apply cgroup configuration: " + why}}
		}
		if n := needs(r, false); len(n) > 0 {
			return []Lack{lack(n[0].field, "cannot set %s limit: container could not join or create cgroup (%s)", limitName(r), why)}
		}
		return nil
	}
	return Lacking(m.Manager, r)
}

func dirsOf(m Manager) []string {
	switch m := m.(type) {
	case *fs1Manager:
		out := m.dirs()
		if m.unified != nil {
			out = append(out, m.unified.dir)
		}
		return out
	case *fs2Manager:
		return []string{m.u.dir}
	}
	return nil
}

// canMake tells whether dir exists and is ours to write, or its nearest
// existing ancestor lets us make it.
func canMake(dir string) bool {
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			return unix.Access(d, unix.W_OK) == nil
		}
	}
	return false
}
