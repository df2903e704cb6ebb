package initproc

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var schedPolicies = map[specs.LinuxSchedulerPolicy]uint32{
	specs.SchedOther: 0, specs.SchedFIFO: 1, specs.SchedRR: 2,
	specs.SchedBatch: 3, specs.SchedISO: 4, specs.SchedIdle: 5, specs.SchedDeadline: 6,
}

var schedFlags = map[specs.LinuxSchedulerFlag]uint64{
	specs.SchedFlagResetOnFork: 0x01, specs.SchedFlagReclaim: 0x02, specs.SchedFlagDLOverrun: 0x04,
	specs.SchedFlagKeepPolicy: 0x08, specs.SchedFlagKeepParams: 0x10, specs.SchedFlagUtilClampMin: 0x20,
	specs.SchedFlagUtilClampMax: 0x40,
}

var ioprioClasses = map[specs.IOPriorityClass]int{
	specs.IOPRIO_CLASS_RT: 1, specs.IOPRIO_CLASS_BE: 2, specs.IOPRIO_CLASS_IDLE: 3,
}

var personalities = map[specs.LinuxPersonalityDomain]uintptr{
	specs.PerLinux: 0x0000, specs.PerLinux32: 0x0008,
}

// setSchedulingAndIO applies process.scheduler and process.ioPriority.
func setSchedulingAndIO(p *specs.Process) error {
	if s := p.Scheduler; s != nil {
		pol, ok := schedPolicies[s.Policy]
		if !ok {
			return fmt.Errorf("process.scheduler: unknown policy %q", s.Policy)
		}
		attr := unix.SchedAttr{
			Policy: pol, Nice: s.Nice, Priority: uint32(s.Priority),
			Runtime: s.Runtime, Deadline: s.Deadline, Period: s.Period,
		}
		for _, f := range s.Flags {
			v, ok := schedFlags[f]
			if !ok {
				return fmt.Errorf("process.scheduler: unknown flag %q", f)
			}
			attr.Flags |= v
		}
		if err := unix.SchedSetAttr(0, &attr, 0); err != nil {
			return fmt.Errorf("set scheduler %s: %w", s.Policy, err)
		}
	}
	if io := p.IOPriority; io != nil {
		class, ok := ioprioClasses[io.Class]
		if !ok {
			return fmt.Errorf("process.ioPriority: unknown class %q", io.Class)
		}
		const whoProcess = 1
		prio := class<<13 | io.Priority
		if _, _, e := unix.RawSyscall(unix.SYS_IOPRIO_SET, whoProcess, 0, uintptr(prio)); e != 0 {
			return fmt.Errorf("set io priority %s/%d: %w", io.Class, io.Priority, e)
		}
	}
	return nil
}

func setPersonality(per *specs.LinuxPersonality) error {
	if per == nil {
		return nil
	}
	v, ok := personalities[per.Domain]
	if !ok {
		return fmt.Errorf("linux.personality: unknown domain %q", per.Domain)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_PERSONALITY, v, 0, 0); e != 0 {
		return fmt.Errorf("set personality %s: %w", per.Domain, e)
	}
	return nil
}

// setCPUAffinity pins the calling thread (the one that execs) to the CPUs
// of a list such as "0-3,7", for process.execCPUAffinity. An empty list
// leaves the affinity alone.
func setCPUAffinity(field, list string) error {
	if list == "" {
		return nil
	}
	var set unix.CPUSet
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a || b >= 1024 {
			return fmt.Errorf("process.execCPUAffinity.%s: bad cpu list %q", field, list)
		}
		for cpu := a; cpu <= b; cpu++ {
			set.Set(cpu)
		}
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("process.execCPUAffinity.%s %q: %w", field, list, err)
	}
	return nil
}
