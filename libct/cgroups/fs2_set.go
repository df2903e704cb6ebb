package cgroups

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setV2 applies r to a pure v2 cgroup; devices=false leaves the device
// filter as it is (see Update).
func setV2(j *journal, u *unifiedDir, r *specs.LinuxResources, devices bool) error {
	r = Normalize(r)
	if devices {
		rules, err := deviceRules(r.Devices)
		if err != nil {
			return err
		}
		if err := setDevicesV2(u.dir, rules); err != nil {
			return err
		}
	}
	if err := networkUnsupported(r.Network, "cgroup v2 has no net_cls/net_prio controller"); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return setMemoryV2(j, u, r.Memory) },
		func() error { return setCPUV2(j, u, r.CPU) },
		func() error { return setPidsV2(j, u, r.Pids) },
		func() error { return setIOV2(j, u, r.BlockIO) },
		func() error { return setHugetlbV2(j, u, r.HugepageLimits) },
		func() error { return setRdma(j, u.dir, r.Rdma, func() error { return u.need("rdma", "rdma") }) },
		func() error { return setUnified(j, u, r.Unified) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

func networkUnsupported(n *specs.LinuxNetwork, why string) error {
	if n == nil || (n.ClassID == nil && len(n.Priorities) == 0) {
		return nil
	}
	return fieldError("network", "%s", why)
}

func setMemoryV2(j *journal, u *unifiedDir, m *specs.LinuxMemory) error {
	if m == nil {
		return nil
	}
	//lint:ignore SA1019 read only to warn that cgroup v2 has no such limit
	if m.Kernel != nil {
		warnIgnored("memory.kernel", "not available on cgroup v2")
	}
	if m.KernelTCP != nil {
		warnIgnored("memory.kernelTCP", "not available on cgroup v2")
	}
	if m.Swappiness != nil {
		warnIgnored("memory.swappiness", "not available on cgroup v2")
	}
	if m.DisableOOMKiller != nil {
		warnIgnored("memory.disableOOMKiller", "not available on cgroup v2")
	}
	if m.UseHierarchy != nil && !*m.UseHierarchy {
		warnIgnored("memory.useHierarchy", "cgroup v2 is always hierarchical")
	}
	if m.Limit == nil && m.Swap == nil && m.Reservation == nil {
		return nil
	}
	if err := u.need("memory", "memory"); err != nil {
		return err
	}
	limit, swap := int64(0), int64(0)
	if m.Limit != nil {
		limit = *m.Limit
	}
	if m.Swap != nil {
		swap = *m.Swap
	}
	swapVal, err := swapToV2(limit, swap)
	if err != nil {
		return fieldError("memory.swap", "%v", err)
	}
	if swapVal != "" {
		if !fileExists(u.dir, "memory.swap.max") {
			// Without swap accounting there is no swap to allow or
			// take away; only a real swap limit cannot be kept.
			if swapVal != "max" && swapVal != "0" {
				return fieldError("memory.swap", "memory.swap.max is missing (swap accounting is off)")
			}
		} else if err := j.write(u.dir, "memory.swap.max", swapVal); err != nil {
			return fieldError("memory.swap", "%v", err)
		}
	}
	if m.Limit != nil {
		if m.CheckBeforeUpdate != nil && *m.CheckBeforeUpdate && limit > 0 {
			if err := checkUsage(u.dir, "memory.current", limit); err != nil {
				return err
			}
		}
		if err := j.write(u.dir, "memory.max", v2Limit(limit)); err != nil {
			return fieldError("memory.limit", "%v", err)
		}
	}
	if m.Reservation != nil {
		if err := j.write(u.dir, "memory.low", v2Limit(*m.Reservation)); err != nil {
			return fieldError("memory.reservation", "%v", err)
		}
	}
	return nil
}

// checkUsage implements memory.checkBeforeUpdate: refuse a limit below
// what the container already uses instead of letting the kernel reclaim or
// OOM-kill to get there.
func checkUsage(dir, file string, limit int64) error {
	usage, err := readUint(dir, file)
	if err != nil {
		return fieldError("memory.checkBeforeUpdate", "%v", err)
	}
	if usage > uint64(limit) {
		return fieldError("memory.limit", "new limit %d is below the current usage %d", limit, usage)
	}
	return nil
}

func setCPUV2(j *journal, u *unifiedDir, c *specs.LinuxCPU) error {
	if c == nil {
		return nil
	}
	if c.RealtimeRuntime != nil {
		return fieldError("cpu.realtimeRuntime", "not supported on cgroup v2")
	}
	if c.RealtimePeriod != nil {
		return fieldError("cpu.realtimePeriod", "not supported on cgroup v2")
	}
	cpuMaxVal := cpuMax(c.Quota, c.Period)
	if c.Shares != nil || cpuMaxVal != "" || c.Burst != nil || c.Idle != nil {
		if err := u.need("cpu", "cpu"); err != nil {
			return err
		}
	}
	var weight string
	if c.Shares != nil {
		weight = strconv.FormatUint(sharesToWeight(*c.Shares), 10)
	}
	if err := setWeightAndIdle(j, u.dir, "cpu.weight", weight, c.Idle); err != nil {
		return err
	}
	if cpuMaxVal != "" {
		if err := j.write(u.dir, "cpu.max", cpuMaxVal); err != nil {
			return fieldError("cpu.quota", "%v", err)
		}
	}
	if err := setBurst(j, u.dir, "cpu.max.burst", c.Burst); err != nil {
		return err
	}
	return setCpuset(j, c, func() error { return u.need("cpu.cpus", "cpuset") }, u.dir)
}

// setCpuset writes cpus and mems; the file names are the same on v1 and v2.
func setCpuset(j *journal, c *specs.LinuxCPU, need func() error, dir string) error {
	if c.Cpus == "" && c.Mems == "" {
		return nil
	}
	if err := need(); err != nil {
		return err
	}
	if c.Cpus != "" {
		if err := j.write(dir, "cpuset.cpus", c.Cpus); err != nil {
			return fieldError("cpu.cpus", "%v", err)
		}
	}
	if c.Mems != "" {
		if err := j.write(dir, "cpuset.mems", c.Mems); err != nil {
			return fieldError("cpu.mems", "%v", err)
		}
	}
	return nil
}

func setPidsV2(j *journal, u *unifiedDir, p *specs.LinuxPids) error {
	if p == nil || p.Limit == nil {
		return nil
	}
	if err := u.need("pids", "pids"); err != nil {
		return err
	}
	if err := j.write(u.dir, "pids.max", pidsMax(*p.Limit)); err != nil {
		return fieldError("pids", "%v", err)
	}
	return nil
}

func setIOV2(j *journal, u *unifiedDir, b *specs.LinuxBlockIO) error {
	if b == nil {
		return nil
	}
	if b.LeafWeight != nil {
		return fieldError("blockIO.leafWeight", "not supported on cgroup v2")
	}
	lines, err := ioMaxLines(b)
	if err != nil {
		return err
	}
	if b.Weight == nil && len(b.WeightDevice) == 0 && len(lines) == 0 {
		return nil
	}
	if err := u.need("blockIO", "io"); err != nil {
		return err
	}
	// BFQ takes the v1 weight range as is; io.weight (io.cost) needs the
	// converted range. Prefer BFQ when the kernel has it.
	bfq := fileExists(u.dir, "io.bfq.weight")
	weightFile := "io.weight"
	conv := func(w uint16) string { return strconv.FormatUint(blkioToIOWeight(w), 10) }
	if bfq {
		weightFile = "io.bfq.weight"
		conv = func(w uint16) string { return strconv.FormatUint(uint64(w), 10) }
	}
	if b.Weight != nil {
		if !fileExists(u.dir, weightFile) {
			return fieldError("blockIO.weight", "neither io.bfq.weight nor io.weight exists in %s", u.dir)
		}
		if err := j.write(u.dir, weightFile, "default "+conv(*b.Weight)); err != nil {
			return fieldError("blockIO.weight", "%v", err)
		}
	}
	for _, d := range b.WeightDevice {
		if d.LeafWeight != nil {
			return fieldError("blockIO.weightDevice.leafWeight", "not supported on cgroup v2")
		}
		if d.Weight == nil {
			continue
		}
		v := fmt.Sprintf("%d:%d %s", d.Major, d.Minor, conv(*d.Weight))
		if err := j.write(u.dir, weightFile, v); err != nil {
			return fieldError("blockIO.weightDevice", "%v", err)
		}
	}
	for _, l := range lines {
		if err := j.write(u.dir, "io.max", l); err != nil {
			return fieldError("blockIO.throttle", "%v", err)
		}
	}
	return nil
}

// ioMaxLines merges the four throttle lists into one io.max line per
// device ("8:0 rbps=1048576 wiops=max"). A rate of 0 removes the limit.
func ioMaxLines(b *specs.LinuxBlockIO) ([]string, error) {
	type dev struct{ major, minor int64 }
	per := map[dev][]string{}
	add := func(key string, list []specs.LinuxThrottleDevice) {
		for _, t := range list {
			v := "max"
			if t.Rate != 0 {
				v = strconv.FormatUint(t.Rate, 10)
			}
			d := dev{t.Major, t.Minor}
			per[d] = append(per[d], key+"="+v)
		}
	}
	add("rbps", b.ThrottleReadBpsDevice)
	add("wbps", b.ThrottleWriteBpsDevice)
	add("riops", b.ThrottleReadIOPSDevice)
	add("wiops", b.ThrottleWriteIOPSDevice)
	var out []string
	for d, kv := range per {
		if d.major < 0 || d.minor < 0 {
			return nil, fieldError("blockIO", "invalid device %d:%d", d.major, d.minor)
		}
		out = append(out, fmt.Sprintf("%d:%d %s", d.major, d.minor, strings.Join(kv, " ")))
	}
	sort.Strings(out)
	return out, nil
}

func setHugetlbV2(j *journal, u *unifiedDir, limits []specs.LinuxHugepageLimit) error {
	if len(limits) == 0 {
		return nil
	}
	if err := u.need("hugepageLimits", "hugetlb"); err != nil {
		return err
	}
	sizes, err := hostHugePageSizes()
	if err != nil {
		return fieldError("hugepageLimits", "%v", err)
	}
	for _, l := range limits {
		if err := checkHugePageSize(l.Pagesize, sizes); err != nil {
			return err
		}
		v := strconv.FormatUint(l.Limit, 10)
		if err := j.write(u.dir, "hugetlb."+l.Pagesize+".max", v); err != nil {
			return fieldError("hugepageLimits", "%v", err)
		}
		// The spec asks for reservation limits where the kernel has them,
		// which also covers pages reserved by mmap but not yet faulted.
		rsvd := "hugetlb." + l.Pagesize + ".rsvd.max"
		if fileExists(u.dir, rsvd) {
			if err := j.write(u.dir, rsvd, v); err != nil {
				return fieldError("hugepageLimits", "%v", err)
			}
		}
	}
	return nil
}

// setRdma writes rdma.max, which has the same format on v1 and v2.
func setRdma(j *journal, dir string, rdma map[string]specs.LinuxRdma, need func() error) error {
	if len(rdma) == 0 {
		return nil
	}
	if err := need(); err != nil {
		return err
	}
	devs := make([]string, 0, len(rdma))
	for d := range rdma {
		devs = append(devs, d)
	}
	sort.Strings(devs)
	for _, d := range devs {
		l := rdma[d]
		v := d
		if l.HcaHandles != nil {
			v += " hca_handle=" + strconv.FormatUint(uint64(*l.HcaHandles), 10)
		}
		if l.HcaObjects != nil {
			v += " hca_object=" + strconv.FormatUint(uint64(*l.HcaObjects), 10)
		}
		if v == d {
			continue
		}
		if err := j.write(dir, "rdma.max", v); err != nil {
			return fieldError("rdma", "%v", err)
		}
	}
	return nil
}

// setUnified writes linux.resources.unified, after everything else so it
// can override the converted values.
func setUnified(j *journal, u *unifiedDir, kv map[string]string) error {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		field := fmt.Sprintf("unified[%q]", k)
		ctrl, err := unifiedKeyController(k)
		if err != nil {
			return fieldError(field, "%v", err)
		}
		if ctrl != "cgroup" {
			if err := u.need(field, ctrl); err != nil {
				return err
			}
		}
		// A file the cgroup lacks fails in the write with the kernel's
		// ENOENT, "no such file or directory" as in runc and crun.
		if err := j.write(u.dir, k, kv[k]); err != nil {
			return fieldError(field, "%v", err)
		}
	}
	return nil
}

// unifiedKeyController checks that a unified key names a file of the
// cgroup itself ("<controller>.<name>") and returns the controller.
func unifiedKeyController(k string) (string, error) {
	if strings.Contains(k, "/") || strings.Contains(k, "..") {
		return "", fmt.Errorf("key must be a plain file name")
	}
	ctrl, name, ok := strings.Cut(k, ".")
	if !ok || ctrl == "" || name == "" {
		return "", fmt.Errorf("key must look like <controller>.<name>")
	}
	for _, c := range ctrl {
		if (c < 'a' || c > 'z') && c != '_' {
			return "", fmt.Errorf("invalid controller name %q", ctrl)
		}
	}
	switch k {
	case "cgroup.procs", "cgroup.threads", "cgroup.subtree_control":
		// These move processes or change the tree shape, which is the
		// runtime's business, not a resource.
		return "", fmt.Errorf("%s is not a resource", k)
	}
	return ctrl, nil
}
