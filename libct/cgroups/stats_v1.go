package cgroups

import (
	"fmt"
	"strconv"
	"strings"
)

// userHZ is the unit of cpuacct.stat; Linux fixes it at 100 for userspace.
const userHZ = 100

// statsV1 fills s from every mounted v1 controller of m; controllers that
// are not mounted leave their part zero.
func statsV1(m *fs1Manager, s *Stats) error {
	if d, ok := m.paths["cpuacct"]; ok {
		if err := cpuacctStats(d, s); err != nil {
			return err
		}
	}
	if d, ok := m.paths["cpu"]; ok {
		if err := cpuThrottleStats(d, "throttled_time", 1, s); err != nil {
			return err
		}
	}
	if d, ok := m.paths["cpuset"]; ok {
		if err := cpusetStats(d, "cpuset.cpus", "cpuset.mems", s); err != nil {
			return err
		}
	}
	if d, ok := m.paths["memory"]; ok {
		if err := memoryStatsV1(d, s); err != nil {
			return err
		}
	}
	if d, ok := m.paths["pids"]; ok {
		if err := pidsStats(d, s); err != nil {
			return err
		}
	}
	if d, ok := m.paths["blkio"]; ok {
		if err := blkioStatsV1(d, s); err != nil {
			return err
		}
	}
	if d, ok := m.paths["hugetlb"]; ok {
		return hugetlbStatsV1(d, s)
	}
	if m.unified != nil && m.unifiedHas("hugetlb") && fileExists(m.unified.dir, "cgroup.controllers") {
		return hugetlbStatsV2(m.unified.dir, s)
	}
	return nil
}

func cpuacctStats(d string, s *Stats) error {
	var err error
	u := &s.CPU.Usage
	if u.Total, err = readUint(d, "cpuacct.usage"); err != nil {
		return err
	}
	if u.Percpu, err = readUintList(d, "cpuacct.usage_percpu"); err != nil {
		return err
	}
	// Optional files (newer kernels); missing ones stay empty.
	u.PercpuKernel, _ = readUintList(d, "cpuacct.usage_percpu_sys")
	u.PercpuUser, _ = readUintList(d, "cpuacct.usage_percpu_user")
	if fileExists(d, "cpuacct.usage_user") {
		u.User, _ = readUint(d, "cpuacct.usage_user")
		u.Kernel, _ = readUint(d, "cpuacct.usage_sys")
		return nil
	}
	kv, err := readKV(d, "cpuacct.stat")
	if err != nil {
		return err
	}
	const nsPerTick = 1_000_000_000 / userHZ
	u.User = kv["user"] * nsPerTick
	u.Kernel = kv["system"] * nsPerTick
	return nil
}

// cpuThrottleStats reads cpu.stat; timeKey and scale cover v1's
// throttled_time (ns) and v2's throttled_usec.
func cpuThrottleStats(d, timeKey string, scale uint64, s *Stats) error {
	kv, err := readKV(d, "cpu.stat")
	if err != nil {
		return err
	}
	s.CPU.Throttling = Throttling{
		Periods:          kv["nr_periods"],
		ThrottledPeriods: kv["nr_throttled"],
		ThrottledTime:    kv[timeKey] * scale,
	}
	return nil
}

func cpusetStats(d, cpusFile, memsFile string, s *Stats) error {
	for _, f := range []struct {
		file string
		dst  *[]uint16
	}{{cpusFile, &s.CPUSet.CPUs}, {memsFile, &s.CPUSet.Mems}} {
		v, err := readFile(d, f.file)
		if err != nil {
			return err
		}
		if *f.dst, err = parseCPUList(v); err != nil {
			return err
		}
	}
	flags := []struct {
		file string
		dst  *uint64
	}{
		{"cpuset.cpu_exclusive", &s.CPUSet.CPUExclusive},
		{"cpuset.mem_hardwall", &s.CPUSet.MemHardwall},
		{"cpuset.mem_exclusive", &s.CPUSet.MemExclusive},
		{"cpuset.memory_migrate", &s.CPUSet.MemoryMigrate},
		{"cpuset.memory_spread_page", &s.CPUSet.MemorySpreadPage},
		{"cpuset.memory_spread_slab", &s.CPUSet.MemorySpreadSlab},
		{"cpuset.memory_pressure", &s.CPUSet.MemoryPressure},
		{"cpuset.sched_load_balance", &s.CPUSet.SchedLoadBalance},
	}
	for _, f := range flags {
		if fileExists(d, f.file) {
			*f.dst, _ = readUint(d, f.file)
		}
	}
	if v, err := readFile(d, "cpuset.sched_relax_domain_level"); err == nil {
		s.CPUSet.SchedRelaxDomainLevel, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	}
	return nil
}

func memoryStatsV1(d string, s *Stats) error {
	raw, err := readKV(d, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw = raw
	s.Memory.Cache = raw["cache"]
	entries := []struct {
		prefix string
		dst    *MemoryEntry
	}{
		{"memory", &s.Memory.Usage},
		{"memory.memsw", &s.Memory.Swap},
		{"memory.kmem", &s.Memory.Kernel},
		{"memory.kmem.tcp", &s.Memory.KernelTCP},
	}
	for _, e := range entries {
		if !fileExists(d, e.prefix+".usage_in_bytes") {
			continue // no swap accounting, or kmem gone from the kernel
		}
		if err := memoryEntryV1(d, e.prefix, e.dst); err != nil {
			return err
		}
	}
	return nil
}

func memoryEntryV1(d, prefix string, e *MemoryEntry) error {
	var err error
	if e.Usage, err = readUint(d, prefix+".usage_in_bytes"); err != nil {
		return err
	}
	if e.Max, err = readUint(d, prefix+".max_usage_in_bytes"); err != nil {
		return err
	}
	if e.Failcnt, err = readUint(d, prefix+".failcnt"); err != nil {
		return err
	}
	if e.Limit, err = readUint(d, prefix+".limit_in_bytes"); err != nil {
		return err
	}
	return nil
}

func pidsStats(d string, s *Stats) error {
	var err error
	if s.Pids.Current, err = readUint(d, "pids.current"); err != nil {
		return err
	}
	s.Pids.Limit, err = readUint(d, "pids.max")
	return err
}

func blkioStatsV1(d string, s *Stats) error {
	// The throttle files count all I/O whatever the scheduler; the
	// CFQ/BFQ ones only what went through that scheduler.
	for _, f := range []struct {
		names []string
		dst   *[]BlkioEntry
	}{
		{[]string{"blkio.throttle.io_service_bytes_recursive", "blkio.io_service_bytes_recursive", "blkio.bfq.io_service_bytes_recursive"}, &s.Blkio.IoServiceBytesRecursive},
		{[]string{"blkio.throttle.io_serviced_recursive", "blkio.io_serviced_recursive", "blkio.bfq.io_serviced_recursive"}, &s.Blkio.IoServicedRecursive},
	} {
		name := firstFile(d, f.names...)
		if name == "" {
			continue
		}
		text, err := readFile(d, name)
		if err != nil {
			return err
		}
		if *f.dst, err = parseBlkioV1(text); err != nil {
			return fmt.Errorf("%s/%s: %w", d, name, err)
		}
	}
	return nil
}

// parseBlkioV1 parses "8:0 Read 4096" lines; the "Total" lines are sums.
func parseBlkioV1(text string) ([]BlkioEntry, error) {
	var out []BlkioEntry
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		maj, min, ok := strings.Cut(f[0], ":")
		if !ok {
			return nil, fmt.Errorf("bad device %q", f[0])
		}
		e := BlkioEntry{Op: f[1]}
		var err error
		if e.Major, err = strconv.ParseUint(maj, 10, 64); err != nil {
			return nil, err
		}
		if e.Minor, err = strconv.ParseUint(min, 10, 64); err != nil {
			return nil, err
		}
		if e.Value, err = strconv.ParseUint(f[2], 10, 64); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func hugetlbStatsV1(d string, s *Stats) error {
	sizes, err := hostHugePageSizes()
	if err != nil {
		return err
	}
	for _, sz := range sizes {
		var h Hugetlb
		p := "hugetlb." + sz
		if h.Usage, err = readUint(d, p+".usage_in_bytes"); err != nil {
			return err
		}
		if h.Max, err = readUint(d, p+".max_usage_in_bytes"); err != nil {
			return err
		}
		if h.Failcnt, err = readUint(d, p+".failcnt"); err != nil {
			return err
		}
		s.Hugetlb[sz] = h
	}
	return nil
}

// readUintList reads a space separated list of numbers.
func readUintList(d, file string) ([]uint64, error) {
	v, err := readFile(d, file)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, f := range strings.Fields(v) {
		n, err := parseUint(f)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", d, file, err)
		}
		out = append(out, n)
	}
	return out, nil
}
