package cgroups

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func (m *fs1Manager) setDevices(spec []specs.LinuxDeviceCgroup) error {
	d, ok := m.paths["devices"]
	if !ok {
		if len(spec) > 0 {
			return fieldError("devices", "devices controller is not mounted")
		}
		slog.Warn("cgroups: devices controller is not mounted; device access is not restricted")
		return nil
	}
	rules, err := deviceRules(spec)
	if err != nil {
		return err
	}
	return setDevicesV1(d, rules)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func (m *fs1Manager) setMemory(j *journal, mem *specs.LinuxMemory) error {
	if mem == nil {
		return nil
	}
	d, err := m.dir("memory", "memory")
	if err != nil {
		return err
	}
	if err := setMemoryLimits(j, d, mem); err != nil {
		return err
	}
	if mem.Reservation != nil {
		if err := j.write(d, "memory.soft_limit_in_bytes", itoa(*mem.Reservation)); err != nil {
			return fieldError("memory.reservation", "%v", err)
		}
	}
	//lint:ignore SA1019 cgroup v1 still has the kmem limit, and runc still writes it
	if err := setDeprecatedKmem(j, d, "memory.kernel", "memory.kmem.limit_in_bytes", mem.Kernel); err != nil {
		return err
	}
	if err := setDeprecatedKmem(j, d, "memory.kernelTCP", "memory.kmem.tcp.limit_in_bytes", mem.KernelTCP); err != nil {
		return err
	}
	if mem.Swappiness != nil {
		if *mem.Swappiness > 100 {
			return fieldError("memory.swappiness", "%d is above 100", *mem.Swappiness)
		}
		if err := j.write(d, "memory.swappiness", strconv.FormatUint(*mem.Swappiness, 10)); err != nil {
			return fieldError("memory.swappiness", "%v", err)
		}
	}
	if mem.DisableOOMKiller != nil { // true: see Normalize
		if err := j.write(d, "memory.oom_control", "1"); err != nil {
			return fieldError("memory.disableOOMKiller", "%v", err)
		}
	}
	if mem.UseHierarchy != nil {
		v := "0"
		if *mem.UseHierarchy {
			v = "1"
		}
		err := j.write(d, "memory.use_hierarchy", v)
		if err != nil && v == "0" && errors.Is(err, unix.EINVAL) {
			// Kernels since 5.16 are always hierarchical and refuse 0.
			warnIgnored("memory.useHierarchy", "the kernel is always hierarchical")
		} else if err != nil {
			return fieldError("memory.useHierarchy", "%v", err)
		}
	}
	return nil
}

// setMemoryLimits writes memory.limit_in_bytes and memory.memsw.limit_in_bytes.
// The kernel keeps memsw >= limit at every moment, so when limits go up memsw
// is written first and when they go down the memory limit is.
func setMemoryLimits(j *journal, d string, mem *specs.LinuxMemory) error {
	if mem.Limit == nil && mem.Swap == nil {
		return nil
	}
	limit, swap := int64(0), int64(0)
	if mem.Limit != nil {
		limit = *mem.Limit
	}
	if mem.Swap != nil {
		swap = *mem.Swap
	}
	hasMemsw := fileExists(d, "memory.memsw.limit_in_bytes")
	// An unlimited memory limit with no swap value means unlimited swap too,
	// otherwise an old memsw value would still cap the container.
	if limit == -1 && swap == 0 && hasMemsw {
		swap = -1
	}
	if swap != 0 && swap != -1 && limit > 0 && swap < limit {
		return fieldError("memory.swap", "memory+swap (%d) must not be lower than the memory limit (%d)", swap, limit)
	}
	if swap != 0 && !hasMemsw {
		if swap != -1 {
			return fieldError("memory.swap", "memory.memsw.limit_in_bytes is missing (swap accounting is off)")
		}
		swap = 0
	}
	if limit > 0 && mem.CheckBeforeUpdate != nil && *mem.CheckBeforeUpdate {
		if err := checkUsage(d, "memory.usage_in_bytes", limit); err != nil {
			return err
		}
	}
	writeLimit := func() error {
		if limit == 0 {
			return nil
		}
		if err := j.write(d, "memory.limit_in_bytes", itoa(limit)); err != nil {
			return fieldError("memory.limit", "%v", err)
		}
		return nil
	}
	writeSwap := func() error {
		if swap == 0 {
			return nil
		}
		if err := j.write(d, "memory.memsw.limit_in_bytes", itoa(swap)); err != nil {
			return fieldError("memory.swap", "%v", err)
		}
		return nil
	}
	cur, err := readUint(d, "memory.limit_in_bytes")
	if err != nil {
		return fieldError("memory.limit", "%v", err)
	}
	if limit == -1 || (limit > 0 && uint64(limit) > cur) {
		if err := writeSwap(); err != nil {
			return err
		}
		return writeLimit()
	}
	if err := writeLimit(); err != nil {
		return err
	}
	return writeSwap()
}

// setDeprecatedKmem writes a kernel-memory limit when the kernel still has
// the file; recent kernels dropped kmem limits, and the spec deprecates
// them, so their absence only warns.
func setDeprecatedKmem(j *journal, d, field, file string, v *int64) error {
	if v == nil {
		return nil
	}
	if !fileExists(d, file) {
		warnIgnored(field, file+" does not exist on this kernel")
		return nil
	}
	err := j.write(d, file, itoa(*v))
	if errors.Is(err, unix.EOPNOTSUPP) {
		warnIgnored(field, "the kernel no longer supports it")
		return nil
	}
	if err != nil {
		return fieldError(field, "%v", err)
	}
	return nil
}

func (m *fs1Manager) setCPU(j *journal, c *specs.LinuxCPU) error {
	if c == nil {
		return nil
	}
	if c.Shares != nil || c.Quota != nil || c.Period != nil || c.Burst != nil ||
		c.RealtimeRuntime != nil || c.RealtimePeriod != nil || c.Idle != nil {
		d, err := m.dir("cpu", "cpu")
		if err != nil {
			return err
		}
		if err := setCPUV1(j, d, c); err != nil {
			return err
		}
	}
	return setCpuset(j, c, func() error { _, err := m.dir("cpu.cpus", "cpuset"); return err }, m.paths["cpuset"])
}

func setCPUV1(j *journal, d string, c *specs.LinuxCPU) error {
	var shares string
	if c.Shares != nil {
		shares = strconv.FormatUint(*c.Shares, 10)
	}
	if err := setWeightAndIdle(j, d, "cpu.shares", shares, c.Idle); err != nil {
		return err
	}
	if err := setCFS(j, d, c.Quota, c.Period); err != nil {
		return err
	}
	if err := setBurst(j, d, "cpu.cfs_burst_us", c.Burst); err != nil {
		return err
	}
	return setRT(j, d, c.RealtimeRuntime, c.RealtimePeriod)
}

// setBurst writes the CFS burst (v1 cpu.cfs_burst_us, v2 cpu.max.burst).
// Kernels before 5.14 have no burst: a burst of 0 is what they do anyway,
// so only a real one is an error there.
func setBurst(j *journal, d, file string, burst *uint64) error {
	if burst == nil || (*burst == 0 && !fileExists(d, file)) {
		return nil
	}
	if err := j.write(d, file, strconv.FormatUint(*burst, 10)); err != nil {
		return fieldError("cpu.burst", "%v", err)
	}
	return nil
}

// setRT writes the realtime period and runtime. The runtime must fit in
// the period, so a raised period goes first; a lowered one below the
// current runtime is refused (EINVAL), and then the runtime goes first.
func setRT(j *journal, d string, runtime *int64, period *uint64) error {
	writeRuntime := func() error {
		if runtime == nil {
			return nil
		}
		err := j.write(d, "cpu.rt_runtime_us", itoa(*runtime))
		if errors.Is(err, unix.EINVAL) && *runtime > 0 && defaultDir(d) && growDefaultRT(j, d, *runtime) {
			err = j.write(d, "cpu.rt_runtime_us", itoa(*runtime))
		}
		if err != nil {
			return fieldError("cpu.realtimeRuntime", "%v", err)
		}
		return nil
	}
	if period == nil {
		return writeRuntime()
	}
	p := strconv.FormatUint(*period, 10)
	err := j.write(d, "cpu.rt_period_us", p)
	if err == nil {
		return writeRuntime()
	}
	if !errors.Is(err, unix.EINVAL) || runtime == nil {
		return fieldError("cpu.realtimePeriod", "%v", err)
	}
	if err := writeRuntime(); err != nil {
		return err
	}
	if err := j.write(d, "cpu.rt_period_us", p); err != nil {
		return fieldError("cpu.realtimePeriod", "%v", err)
	}
	return nil
}

// growDefaultRT gives rt's default parent (<cpu>/rt) the realtime time
// its containers need and tells whether it grew. A new cgroup has none
// (cpu.rt_runtime_us 0), and a child may hold only a share of its parent's;
// runc and crun put a container without cgroupsPath straight in the
// caller's cgroup, which has some when it is the root. The parent gets the
// sum of its children's shares, d's at runtime, in its own period, and
// keeps that until it is removed with its last container.
func growDefaultRT(j *journal, d string, runtime int64) bool {
	parent := filepath.Dir(d)
	share := func(dir string) float64 {
		r, err1 := readInt(dir, "cpu.rt_runtime_us")
		p, err2 := readInt(dir, "cpu.rt_period_us")
		if err1 != nil || err2 != nil || r <= 0 || p <= 0 {
			return 0
		}
		return float64(r) / float64(p)
	}
	period, err := readInt(d, "cpu.rt_period_us")
	pperiod, perr := readInt(parent, "cpu.rt_period_us")
	cur, cerr := readInt(parent, "cpu.rt_runtime_us")
	if err != nil || perr != nil || cerr != nil || period <= 0 || cur < 0 {
		return false
	}
	need := float64(runtime) / float64(period)
	siblings, _ := os.ReadDir(parent)
	for _, e := range siblings {
		if e.IsDir() && e.Name() != filepath.Base(d) {
			need += share(filepath.Join(parent, e.Name()))
		}
	}
	want := int64(math.Ceil(need * float64(pperiod)))
	return want > cur && want <= pperiod && j.write(parent, "cpu.rt_runtime_us", itoa(want)) == nil
}

// setWeightAndIdle writes the CPU weight (v1 cpu.shares, v2 cpu.weight;
// "" for none) and cpu.idle. The kernel refuses a weight for an idle group
// (EINVAL), so leaving idle comes first; a group that is and stays idle
// keeps the weight it had, and gets the new one when it leaves idle (the
// stored resources write it again then).
func setWeightAndIdle(j *journal, d, file, weight string, idle *int64) error {
	writeIdle := func() error {
		if err := j.write(d, "cpu.idle", itoa(*idle)); err != nil {
			return fieldError("cpu.idle", "%v", err)
		}
		return nil
	}
	toIdle := idle != nil && *idle != 0
	if idle != nil && !toIdle {
		if err := writeIdle(); err != nil {
			return err
		}
	}
	if weight != "" {
		if err := j.write(d, file, weight); err != nil && !(toIdle && errors.Is(err, unix.EINVAL)) {
			return fieldError("cpu.shares", "%v", err)
		}
	}
	if toIdle {
		return writeIdle()
	}
	return nil
}

// setCFS writes the CFS bandwidth. A new period can be refused (EINVAL)
// while the old quota does not fit it, so on failure the quota is written
// first and the period retried.
func setCFS(j *journal, d string, quota *int64, period *uint64) error {
	writeQuota := func() error {
		if quota == nil {
			return nil
		}
		q := *quota
		if q < 0 {
			q = -1
		}
		if err := j.write(d, "cpu.cfs_quota_us", itoa(q)); err != nil {
			return fieldError("cpu.quota", "%v", err)
		}
		return nil
	}
	if period != nil {
		p := strconv.FormatUint(*period, 10)
		if err := j.write(d, "cpu.cfs_period_us", p); err != nil {
			if !errors.Is(err, unix.EINVAL) || quota == nil {
				return fieldError("cpu.period", "%v", err)
			}
			if err := writeQuota(); err != nil {
				return err
			}
			if err := j.write(d, "cpu.cfs_period_us", p); err != nil {
				return fieldError("cpu.period", "%v", err)
			}
			return nil
		}
	}
	return writeQuota()
}

func (m *fs1Manager) setPids(j *journal, p *specs.LinuxPids) error {
	if p == nil || p.Limit == nil {
		return nil
	}
	d, err := m.dir("pids", "pids")
	if err != nil {
		return err
	}
	if err := j.write(d, "pids.max", pidsMax(*p.Limit)); err != nil {
		return fieldError("pids", "%v", err)
	}
	return nil
}

// firstFile returns the first of files present in d: blkio has CFQ-era
// names and BFQ names depending on the kernel and scheduler.
func firstFile(d string, files ...string) string {
	for _, f := range files {
		if fileExists(d, f) {
			return f
		}
	}
	return ""
}

func (m *fs1Manager) setBlkio(j *journal, b *specs.LinuxBlockIO) error {
	if b == nil {
		return nil
	}
	d, err := m.dir("blockIO", "blkio")
	if err != nil {
		return err
	}
	if b.Weight != nil {
		f := firstFile(d, "blkio.weight", "blkio.bfq.weight")
		if f == "" {
			return fieldError("blockIO.weight", "no blkio.weight or blkio.bfq.weight in %s", d)
		}
		if err := j.write(d, f, strconv.FormatUint(uint64(*b.Weight), 10)); err != nil {
			return fieldError("blockIO.weight", "%v", err)
		}
	}
	if b.LeafWeight != nil {
		if !fileExists(d, "blkio.leaf_weight") {
			return fieldError("blockIO.leafWeight", "blkio.leaf_weight does not exist (CFQ only)")
		}
		if err := j.write(d, "blkio.leaf_weight", strconv.FormatUint(uint64(*b.LeafWeight), 10)); err != nil {
			return fieldError("blockIO.leafWeight", "%v", err)
		}
	}
	for _, wd := range b.WeightDevice {
		if err := setWeightDevice(j, d, wd); err != nil {
			return err
		}
	}
	throttles := []struct {
		field, file string
		list        []specs.LinuxThrottleDevice
	}{
		{"throttleReadBpsDevice", "blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice},
		{"throttleWriteBpsDevice", "blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice},
		{"throttleReadIOPSDevice", "blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice},
		{"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice},
	}
	for _, t := range throttles {
		for _, td := range t.list {
			v := fmt.Sprintf("%d:%d %d", td.Major, td.Minor, td.Rate)
			if err := j.write(d, t.file, v); err != nil {
				return fieldError("blockIO."+t.field, "%v", err)
			}
		}
	}
	return nil
}

func setWeightDevice(j *journal, d string, wd specs.LinuxWeightDevice) error {
	dev := fmt.Sprintf("%d:%d ", wd.Major, wd.Minor)
	if wd.Weight != nil {
		f := firstFile(d, "blkio.weight_device", "blkio.bfq.weight_device")
		if f == "" {
			return fieldError("blockIO.weightDevice", "no blkio.weight_device or blkio.bfq.weight_device in %s", d)
		}
		if err := j.write(d, f, dev+strconv.FormatUint(uint64(*wd.Weight), 10)); err != nil {
			return fieldError("blockIO.weightDevice", "%v", err)
		}
	}
	if wd.LeafWeight != nil {
		if !fileExists(d, "blkio.leaf_weight_device") {
			return fieldError("blockIO.weightDevice.leafWeight", "blkio.leaf_weight_device does not exist (CFQ only)")
		}
		if err := j.write(d, "blkio.leaf_weight_device", dev+strconv.FormatUint(uint64(*wd.LeafWeight), 10)); err != nil {
			return fieldError("blockIO.weightDevice.leafWeight", "%v", err)
		}
	}
	return nil
}

// setHugetlb uses the v1 controller when mounted; on hybrid hosts where the
// kernel bound hugetlb to the unified hierarchy it uses the v2 files there.
func (m *fs1Manager) setHugetlb(j *journal, limits []specs.LinuxHugepageLimit) error {
	if len(limits) == 0 {
		return nil
	}
	d, ok := m.paths["hugetlb"]
	if !ok {
		if m.unified != nil && m.unifiedHas("hugetlb") {
			return setHugetlbV2(j, m.unified, limits)
		}
		return fieldError("hugepageLimits", "hugetlb controller is not mounted")
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
		if err := j.write(d, "hugetlb."+l.Pagesize+".limit_in_bytes", v); err != nil {
			return fieldError("hugepageLimits", "%v", err)
		}
		rsvd := "hugetlb." + l.Pagesize + ".rsvd.limit_in_bytes"
		if fileExists(d, rsvd) {
			if err := j.write(d, rsvd, v); err != nil {
				return fieldError("hugepageLimits", "%v", err)
			}
		}
	}
	return nil
}

// unifiedHas tells whether the cgroup2 mount offers ctrl at its root.
func (m *fs1Manager) unifiedHas(ctrl string) bool {
	avail, err := readList(m.unified.mount, "cgroup.controllers")
	return err == nil && slices.Contains(avail, ctrl)
}

func (m *fs1Manager) setNetwork(j *journal, n *specs.LinuxNetwork) error {
	if n == nil {
		return nil
	}
	if n.ClassID != nil {
		d, err := m.dir("network", "net_cls")
		if err != nil {
			return err
		}
		if err := j.write(d, "net_cls.classid", strconv.FormatUint(uint64(*n.ClassID), 10)); err != nil {
			return fieldError("network.classID", "%v", err)
		}
	}
	if len(n.Priorities) > 0 {
		d, err := m.dir("network", "net_prio")
		if err != nil {
			return err
		}
		for _, p := range n.Priorities {
			if err := j.write(d, "net_prio.ifpriomap", fmt.Sprintf("%s %d", p.Name, p.Priority)); err != nil {
				return fieldError("network.priorities", "%v", err)
			}
		}
	}
	return nil
}

func (m *fs1Manager) setRdma(j *journal, r map[string]specs.LinuxRdma) error {
	if len(r) == 0 {
		return nil
	}
	d, err := m.dir("rdma", "rdma")
	if err != nil {
		return err
	}
	return setRdma(j, d, r, func() error { return nil })
}
