package child

// The process's scheduling: its policy (sched_setattr), its I/O priority
// and the CPU affinity of its exec and of what it becomes.

import (
	"fmt"
	"os"
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

// scheduling adds process.scheduler and process.ioPriority.
func (c *compiler) scheduling(proc *specs.Process) error {
	p := c.p
	if sc := proc.Scheduler; sc != nil {
		pol, ok := schedPolicies[sc.Policy]
		if !ok {
			return fmt.Errorf("process.scheduler: unknown policy %q", sc.Policy)
		}
		attr := unix.SchedAttr{
			Size: unix.SizeofSchedAttr, Policy: pol, Nice: sc.Nice, Priority: uint32(sc.Priority),
			Runtime: sc.Runtime, Deadline: sc.Deadline, Period: sc.Period,
		}
		for _, f := range sc.Flags {
			v, ok := schedFlags[f]
			if !ok {
				return fmt.Errorf("process.scheduler: unknown flag %q", f)
			}
			attr.Flags |= v
		}
		p.sched = append(p.sched, attr)
		s := p.addOp(opSched, fmt.Sprintf("set scheduler %s", sc.Policy))
		s.n[0] = int64(len(p.sched) - 1)
		if sc.Policy == specs.SchedDeadline {
			s.n[1] = 1
			p.cpus = onlineCPUs()
		}
	}
	if io := proc.IOPriority; io != nil {
		class, ok := ioprioClasses[io.Class]
		if !ok {
			return fmt.Errorf("process.ioPriority: unknown class %q", io.Class)
		}
		s := p.addOp(opIoprio, fmt.Sprintf("set io priority %s/%d", io.Class, io.Priority))
		s.n[0] = int64(class<<13 | io.Priority)
	}
	return nil
}

// onlineCPUs counts /sys/devices/system/cpu/online, 0 when unknown.
func onlineCPUs() int {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return 0
	}
	n, err := cpuListCount(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return n
}

// cpuRanges splits a list such as "0-3,7" into its ranges.
func cpuRanges(list string) ([][2]int, bool) {
	var out [][2]int
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a {
			return nil, false
		}
		out = append(out, [2]int{a, b})
	}
	return out, true
}

// cpuListCount counts the CPUs of a list such as "0-3,7".
func cpuListCount(list string) (int, error) {
	ranges, ok := cpuRanges(list)
	if !ok {
		return 0, fmt.Errorf("bad cpu list %q", list)
	}
	n := 0
	for _, r := range ranges {
		n += r[1] - r[0] + 1
	}
	return n, nil
}

// cpuMask parses a list such as "0-3,7" for process.execCPUAffinity.
func cpuMask(field, list string) ([]int64, error) {
	ranges, ok := cpuRanges(list)
	var set unix.CPUSet
	for _, r := range ranges {
		if r[1] >= 1024 {
			ok = false
			break
		}
		for cpu := r[0]; cpu <= r[1]; cpu++ {
			set.Set(cpu)
		}
	}
	if !ok {
		return nil, fmt.Errorf("process.execCPUAffinity.%s: bad cpu list %q", field, list)
	}
	out := make([]int64, len(set))
	for i, w := range set {
		out[i] = int64(w)
	}
	return out, nil
}

// affinity adds a sched_setaffinity of the list.
func (c *compiler) affinity(field, list string) error {
	mask, err := cpuMask(field, list)
	if err != nil {
		return err
	}
	s := c.p.addOp(opAffinity, fmt.Sprintf("process.execCPUAffinity.%s %q", field, list))
	s.v = c.p.numv(mask...)
	return nil
}

// finalAffinity gives the process its last CPU affinity:
// process.execCPUAffinity.final when set, and otherwise (unless only an
// initial affinity was asked for, which then stays) every CPU, so that the
// process does not inherit the affinity of whoever ran rt (`taskset -c 0
// rt run`). The kernel narrows a full mask to the container's cpuset.
func (c *compiler) finalAffinity(a *specs.CPUAffinity) error {
	if a != nil && a.Final != "" {
		return c.affinity("final", a.Final)
	}
	if a != nil && a.Initial != "" {
		return nil
	}
	all := make([]int64, 16)
	for i := range all {
		all[i] = -1
	}
	// Best effort, as in runc: the kernel only refuses a mask with no CPU
	// of the cpuset in it, which a full one cannot be.
	s := c.p.addOp(opAffinity, "reset the CPU affinity")
	s.v = c.p.numv(all...)
	s.n[0] = 1
	return nil
}
