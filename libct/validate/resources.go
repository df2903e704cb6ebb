package validate

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Kernel bounds for the CFS knobs (kernel/sched/core.c).
const (
	minShares    = 2
	maxShares    = 262144
	minCFSPeriod = 1000    // 1ms in µs
	maxCFSPeriod = 1000000 // 1s in µs
	minCFSQuota  = 1000
)

func checkResources(s *specs.Spec) error {
	r := s.Linux.Resources
	if r == nil {
		return nil
	}
	checks := []func(*specs.LinuxResources) error{
		checkDeviceRules,
		checkMemory,
		checkCPU,
		checkBlockIO,
		checkHugepages,
		checkUnified,
	}
	for _, check := range checks {
		if err := check(r); err != nil {
			return err
		}
	}
	return nil
}

func checkDeviceRules(r *specs.LinuxResources) error {
	for i, d := range r.Devices {
		field := fmt.Sprintf("linux.resources.devices[%d]", i)
		switch d.Type {
		case "", "a", "c", "b":
		default:
			return errf("%s.type %q must be a, c or b", field, d.Type)
		}
		// access: letters other than r, w and m are ignored, as in runc.
		if d.Major != nil && *d.Major < -1 || d.Minor != nil && *d.Minor < -1 {
			return errf("%s: major and minor must be -1 (any) or a device number", field)
		}
	}
	return nil
}

// limit checks a byte or count limit where -1 means unlimited and 0 unset.
func limit(field string, v *int64) error {
	if v != nil && *v < -1 {
		return errf("%s %d is not valid (-1 means unlimited)", field, *v)
	}
	return nil
}

func checkMemory(r *specs.LinuxResources) error {
	m := r.Memory
	if m == nil {
		return nil
	}
	fields := []struct {
		name string
		v    *int64
	}{
		{"limit", m.Limit},
		{"reservation", m.Reservation},
		{"swap", m.Swap},
		{"kernel", m.Kernel},
		{"kernelTCP", m.KernelTCP},
	}
	for _, f := range fields {
		if err := limit("linux.resources.memory."+f.name, f.v); err != nil {
			return err
		}
	}
	// swap is memory+swap, as memory.memsw.limit_in_bytes.
	if m.Limit != nil && m.Swap != nil && *m.Limit > 0 && *m.Swap > 0 && *m.Swap < *m.Limit {
		return errf("linux.resources.memory.swap %d is below memory.limit %d (swap counts memory plus swap)", *m.Swap, *m.Limit)
	}
	// -1 (the largest uint64) is "the kernel's default", as in runc.
	if m.Swappiness != nil && *m.Swappiness > 100 && *m.Swappiness != math.MaxUint64 {
		return errf("linux.resources.memory.swappiness %d is above 100", *m.Swappiness)
	}
	return nil
}

func checkCPU(r *specs.LinuxResources) error {
	c := r.CPU
	if c == nil {
		return nil
	}
	// 0 means unset; 1 would be silently raised to 2 by the kernel.
	if c.Shares != nil && *c.Shares != 0 && (*c.Shares < minShares || *c.Shares > maxShares) {
		return errf("linux.resources.cpu.shares %d is outside [%d, %d]", *c.Shares, minShares, maxShares)
	}
	// Any negative quota is unlimited, to the kernel and to runc.
	if c.Quota != nil && *c.Quota > 0 && *c.Quota < minCFSQuota {
		return errf("linux.resources.cpu.quota %d must be negative (unlimited) or at least %d", *c.Quota, minCFSQuota)
	}
	if c.Period != nil && *c.Period != 0 && (*c.Period < minCFSPeriod || *c.Period > maxCFSPeriod) {
		return errf("linux.resources.cpu.period %d is outside [%d, %d]", *c.Period, minCFSPeriod, maxCFSPeriod)
	}
	if err := limit("linux.resources.cpu.realtimeRuntime", c.RealtimeRuntime); err != nil {
		return err
	}
	if c.Idle != nil && *c.Idle != 0 && *c.Idle != 1 {
		return errf("linux.resources.cpu.idle %d must be 0 or 1", *c.Idle)
	}
	for _, f := range []struct{ name, v string }{{"cpus", c.Cpus}, {"mems", c.Mems}} {
		if f.v == "" {
			continue
		}
		if err := parseCPUList(f.v); err != nil {
			return errf("linux.resources.cpu.%s: %v", f.name, err)
		}
	}
	return nil
}

func weight(field string, w *uint16) error {
	if w != nil && *w != 0 && (*w < 10 || *w > 1000) {
		return errf("%s %d is outside [10, 1000]", field, *w)
	}
	return nil
}

func checkBlockIO(r *specs.LinuxResources) error {
	b := r.BlockIO
	if b == nil {
		return nil
	}
	if err := weight("linux.resources.blockIO.weight", b.Weight); err != nil {
		return err
	}
	if err := weight("linux.resources.blockIO.leafWeight", b.LeafWeight); err != nil {
		return err
	}
	for i, d := range b.WeightDevice {
		field := fmt.Sprintf("linux.resources.blockIO.weightDevice[%d]", i)
		if d.Major < 0 || d.Minor < 0 {
			return errf("%s: major and minor must not be negative", field)
		}
		if err := weight(field+".weight", d.Weight); err != nil {
			return err
		}
		if err := weight(field+".leafWeight", d.LeafWeight); err != nil {
			return err
		}
	}
	throttles := []struct {
		name string
		devs []specs.LinuxThrottleDevice
	}{
		{"throttleReadBpsDevice", b.ThrottleReadBpsDevice},
		{"throttleWriteBpsDevice", b.ThrottleWriteBpsDevice},
		{"throttleReadIOPSDevice", b.ThrottleReadIOPSDevice},
		{"throttleWriteIOPSDevice", b.ThrottleWriteIOPSDevice},
	}
	for _, t := range throttles {
		for i, d := range t.devs {
			if d.Major < 0 || d.Minor < 0 {
				return errf("linux.resources.blockIO.%s[%d]: major and minor must not be negative", t.name, i)
			}
		}
	}
	return nil
}

// Compiled on first use: every rt process (the container init too) would
// otherwise pay for it at start-up.
var pageSizeRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[1-9][0-9]{0,6}(KB|MB|GB)$`) })

func checkHugepages(r *specs.LinuxResources) error {
	seen := map[string]bool{}
	for i, h := range r.HugepageLimits {
		if !pageSizeRe().MatchString(h.Pagesize) {
			return errf("linux.resources.hugepageLimits[%d].pageSize %q is not like \"2MB\"", i, h.Pagesize)
		}
		if seen[h.Pagesize] {
			return errf("linux.resources.hugepageLimits: duplicate pageSize %q", h.Pagesize)
		}
		seen[h.Pagesize] = true
	}
	return nil
}

var unifiedKeyRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9_]+\.[a-zA-Z0-9_.]+$`) })

// checkUnified keeps keys to plain file names of the cgroup directory:
// they are joined to its path, so "/" and ".." would escape it, and
// cgroup.procs/threads would move processes behind the manager's back.
func checkUnified(r *specs.LinuxResources) error {
	for k := range r.Unified {
		if !unifiedKeyRe().MatchString(k) || strings.Contains(k, "..") {
			return errf("linux.resources.unified: invalid key %q", k)
		}
		if k == "cgroup.procs" || k == "cgroup.threads" {
			return errf("linux.resources.unified: %q cannot be set", k)
		}
	}
	return nil
}
