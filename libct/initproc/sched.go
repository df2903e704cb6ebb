package initproc

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/mempolicy"
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
			if err == unix.EPERM && s.Policy == specs.SchedDeadline && affinityNarrowed() {
				// runc's words, which its users know; then why.
				return fmt.Errorf("set scheduler %s: process scheduler can't be used together with AllowedCPUs "+
					"(the kernel wants the process allowed on every CPU, and the cpuset or CPU affinity leaves some out): %w", s.Policy, err)
			}
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

// setFinalCPUAffinity gives the thread that execs its last CPU affinity:
// process.execCPUAffinity.final when set, and otherwise (unless only an
// initial affinity was asked for, which then stays) every CPU, so that the
// process does not inherit the affinity of whoever ran rt (`taskset -c 0
// rt run`). The kernel narrows a full mask to the container's cpuset.
func setFinalCPUAffinity(a *specs.CPUAffinity) error {
	if a != nil && a.Final != "" {
		return setCPUAffinity("final", a.Final)
	}
	if a != nil && a.Initial != "" {
		return nil
	}
	var all unix.CPUSet
	for i := range all {
		all[i] = ^all[i]
	}
	// Best effort, as in runc: the kernel only refuses a mask with no CPU
	// of the cpuset in it, which a full one cannot be.
	_ = unix.SchedSetaffinity(0, &all)
	return nil
}

// affinityNarrowed reports whether this thread may run on fewer CPUs than
// are online; false when that cannot be told.
func affinityNarrowed() bool {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return false
	}
	online, err := cpuListCount(strings.TrimSpace(string(b)))
	if err != nil {
		return false
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return false
	}
	return set.Count() < online
}

// cpuListCount counts the CPUs of a list such as "0-3,7".
func cpuListCount(list string) (int, error) {
	n := 0
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || b < a {
			return 0, fmt.Errorf("bad cpu list %q", list)
		}
		n += b - a + 1
	}
	return n, nil
}

// setMemoryPolicy applies linux.memoryPolicy to the thread that execs; the
// kernel keeps it across execve. The parent has validated it.
func setMemoryPolicy(mp *specs.LinuxMemoryPolicy) error {
	if mp == nil {
		return nil
	}
	pol, err := mempolicy.Parse(mp)
	if err == nil {
		err = pol.Apply()
	}
	if err != nil {
		return fmt.Errorf("linux.memoryPolicy %s: %w", mp.Mode, err)
	}
	return nil
}
