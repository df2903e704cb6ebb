package cgroups

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// statsV2 fills s from a unified cgroup. Files of controllers that are not
// enabled are skipped.
func statsV2(d string, s *Stats) error {
	if err := cpuStatsV2(d, s); err != nil {
		return err
	}
	if fileExists(d, "cpuset.cpus.effective") {
		if err := cpusetStats(d, "cpuset.cpus.effective", "cpuset.mems.effective", s); err != nil {
			return err
		}
	}
	if fileExists(d, "memory.current") {
		if err := memoryStatsV2(d, s); err != nil {
			return err
		}
	}
	if fileExists(d, "pids.current") {
		if err := pidsStats(d, s); err != nil {
			return err
		}
	}
	if fileExists(d, "io.stat") {
		text, err := readFile(d, "io.stat")
		if err != nil {
			return err
		}
		if err := parseIOStat(text, &s.Blkio); err != nil {
			return fmt.Errorf("%s/io.stat: %w", d, err)
		}
		s.Blkio.PSI = readPSI(d, "io.pressure")
	}
	return hugetlbStatsV2(d, s)
}

func cpuStatsV2(d string, s *Stats) error {
	kv, err := readKV(d, "cpu.stat")
	if err != nil {
		return err
	}
	// v2 reports microseconds; runc's JSON is in nanoseconds.
	s.CPU.Usage.Total = kv["usage_usec"] * 1000
	s.CPU.Usage.User = kv["user_usec"] * 1000
	s.CPU.Usage.Kernel = kv["system_usec"] * 1000
	s.CPU.Throttling = Throttling{
		Periods:          kv["nr_periods"],
		ThrottledPeriods: kv["nr_throttled"],
		ThrottledTime:    kv["throttled_usec"] * 1000,
	}
	s.CPU.PSI = readPSI(d, "cpu.pressure")
	return nil
}

// readLimit reads a v2 limit file where "max" means unlimited.
func readLimit(d, file string) (uint64, error) {
	v, err := readFile(d, file)
	if err != nil {
		return 0, err
	}
	v = strings.TrimSpace(v)
	if v == "max" {
		return math.MaxUint64, nil
	}
	return parseUint(v)
}

func memoryStatsV2(d string, s *Stats) error {
	raw, err := readKV(d, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw = raw
	s.Memory.Cache = raw["file"]
	u := &s.Memory.Usage
	if u.Usage, err = readUint(d, "memory.current"); err != nil {
		return err
	}
	if u.Limit, err = readLimit(d, "memory.max"); err != nil {
		return err
	}
	if fileExists(d, "memory.peak") {
		u.Max, _ = readUint(d, "memory.peak")
	}
	if ev, err := readKV(d, "memory.events"); err == nil {
		s.Memory.EventCount = MemoryEventCount{
			Low: ev["low"], High: ev["high"], Max: ev["max"], OOM: ev["oom"], OOMKill: ev["oom_kill"],
		}
		u.Failcnt = ev["max"]
	}
	// Report swap like v1's memsw (memory+swap) so consumers see the same
	// meaning on both versions.
	if fileExists(d, "memory.swap.current") {
		sw, err := readUint(d, "memory.swap.current")
		if err != nil {
			return err
		}
		lim, err := readLimit(d, "memory.swap.max")
		if err != nil {
			return err
		}
		s.Memory.Swap.Usage = sw + u.Usage
		s.Memory.Swap.Limit = math.MaxUint64
		if lim != math.MaxUint64 && u.Limit != math.MaxUint64 {
			s.Memory.Swap.Limit = lim + u.Limit
		}
	}
	s.Memory.PSI = readPSI(d, "memory.pressure")
	return nil
}

// parseIOStat parses v2 io.stat lines
// "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" into runc's v1
// shaped entries.
func parseIOStat(text string, b *Blkio) error {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		maj, min, ok := strings.Cut(f[0], ":")
		if !ok {
			return fmt.Errorf("bad device %q", f[0])
		}
		major, err := strconv.ParseUint(maj, 10, 64)
		if err != nil {
			return err
		}
		minor, err := strconv.ParseUint(min, 10, 64)
		if err != nil {
			return err
		}
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("parse %q: %w", kv, err)
			}
			e := BlkioEntry{Major: major, Minor: minor, Value: n}
			switch k {
			case "rbytes":
				e.Op = "Read"
				b.IoServiceBytesRecursive = append(b.IoServiceBytesRecursive, e)
			case "wbytes":
				e.Op = "Write"
				b.IoServiceBytesRecursive = append(b.IoServiceBytesRecursive, e)
			case "rios":
				e.Op = "Read"
				b.IoServicedRecursive = append(b.IoServicedRecursive, e)
			case "wios":
				e.Op = "Write"
				b.IoServicedRecursive = append(b.IoServicedRecursive, e)
			}
		}
	}
	return nil
}

func hugetlbStatsV2(d string, s *Stats) error {
	sizes, err := hostHugePageSizes()
	if err != nil {
		return nil // no hugetlb support at all
	}
	for _, sz := range sizes {
		p := "hugetlb." + sz
		if !fileExists(d, p+".current") {
			continue
		}
		var h Hugetlb
		if h.Usage, err = readUint(d, p+".current"); err != nil {
			return err
		}
		if ev, err := readKV(d, p+".events"); err == nil {
			h.Failcnt = ev["max"]
		}
		s.Hugetlb[sz] = h
	}
	return nil
}
