package validate

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux"

	"github.com/rt-runtime/rt/libct/caps"
	"github.com/rt-runtime/rt/libct/kfile"
	"github.com/rt-runtime/rt/libct/rlimit"
)

// apparmorEnabled is a variable so tests do not depend on the host.
var apparmorEnabled = func() bool {
	b, err := kfile.Read("/sys/module/apparmor/parameters/enabled")
	return err == nil && strings.TrimSpace(string(b)) == "Y"
}

// selinuxEnabled is a variable so tests do not depend on the host.
var selinuxEnabled = selinux.GetEnabled

// noID is (uid_t)-1, which setresuid and setresgid read as "leave it as it
// is": a process given it would stay root.
const noID = ^uint32(0)

// Process checks a process that exec is about to start (from --process, or
// the container's own with the command line's changes) by the rules
// config.json's process obeys; errors start with "exec: ".
func Process(p *specs.Process) error {
	if err := checkProcess(&specs.Spec{Process: p}, ""); err != nil {
		return fmt.Errorf("exec: %s", strings.TrimPrefix(err.Error(), "config.json: "))
	}
	return nil
}

func checkProcess(s *specs.Spec, _ string) error {
	p := s.Process
	if p == nil {
		return errf("process must be set")
	}
	if len(p.Args) == 0 {
		return errf("process.args must not be empty")
	}
	if p.Args[0] == "" {
		return errf("process.args[0] must not be empty")
	}
	if err := checkStrings("process.args", p.Args); err != nil {
		return err
	}
	if !filepath.IsAbs(p.Cwd) {
		return errf("process.cwd %q must be an absolute path", p.Cwd)
	}
	if err := checkEnv("process.env", p.Env); err != nil {
		return err
	}
	if p.User.Umask != nil && *p.User.Umask > 0o777 {
		return errf("process.user.umask %#o is out of range", *p.User.Umask)
	}
	if p.OOMScoreAdj != nil && (*p.OOMScoreAdj < -1000 || *p.OOMScoreAdj > 1000) {
		return errf("process.oomScoreAdj %d is outside [-1000, 1000]", *p.OOMScoreAdj)
	}
	if p.ApparmorProfile != "" && !apparmorEnabled() {
		return errf("process.apparmorProfile %q is set but AppArmor is not enabled on this host", p.ApparmorProfile)
	}
	// As runc (and crun, which fails to set it): a label asked for and not
	// applied would be a confinement the process does not have.
	if p.SelinuxLabel != "" && !selinuxEnabled() {
		return errf("process.selinuxLabel %q is set but SELinux is not enabled on this host", p.SelinuxLabel)
	}
	if p.User.UID == noID || p.User.GID == noID {
		return errf("process.user: %d is not an id: the kernel takes it as \"unchanged\", which would leave the process root", noID)
	}
	for _, g := range p.User.AdditionalGids {
		if g == noID {
			return errf("process.user.additionalGids: %d is not a group id", noID)
		}
	}
	checks := []func(*specs.Process) error{
		checkCapabilities,
		checkRlimits,
		checkIOPriority,
		checkScheduler,
		checkExecCPUAffinity,
	}
	for _, check := range checks {
		if err := check(p); err != nil {
			return err
		}
	}
	return nil
}

// checkCapabilities is as lenient as runc, whose behaviour container
// engines rely on (`runc spec` itself lists ambient capabilities that are
// not inheritable): what the kernel cannot give is left out with a warning,
// not refused.
func checkCapabilities(p *specs.Process) error {
	unknown, noAmbient, err := caps.Check(p.Capabilities)
	if err != nil {
		return errf("process.capabilities: %v", err)
	}
	if len(unknown) > 0 {
		q := make([]string, len(unknown))
		for i, name := range unknown {
			q[i] = strconv.Quote(name)
		}
		slog.Warn("process.capabilities: ignoring capabilities this kernel does not know: " + strings.Join(q, ", "))
	}
	for _, name := range noAmbient {
		// Only known names get here, so they need no quoting.
		slog.Warn("process.capabilities.ambient: can't raise ambient capability " + name +
			": it must also be in permitted and inheritable; leaving it out")
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func checkRlimits(p *specs.Process) error {
	seen := map[string]bool{}
	for i, r := range p.Rlimits {
		if _, err := rlimit.Parse(r.Type); err != nil {
			return errf("process.rlimits[%d]: %v", i, err)
		}
		if seen[r.Type] {
			return errf("process.rlimits: duplicate rlimit %q", r.Type)
		}
		seen[r.Type] = true
		if r.Soft > r.Hard {
			return errf("process.rlimits[%d]: %s soft limit %d is above the hard limit %d", i, r.Type, r.Soft, r.Hard)
		}
	}
	return nil
}

func checkIOPriority(p *specs.Process) error {
	io := p.IOPriority
	if io == nil {
		return nil
	}
	switch io.Class {
	case specs.IOPRIO_CLASS_RT, specs.IOPRIO_CLASS_BE, specs.IOPRIO_CLASS_IDLE:
	default:
		return errf("process.ioPriority.class %q is not valid", io.Class)
	}
	if io.Priority < 0 || io.Priority > 7 {
		return errf("process.ioPriority.priority %d is outside [0, 7]", io.Priority)
	}
	return nil
}

var schedFlags = map[specs.LinuxSchedulerFlag]bool{
	specs.SchedFlagResetOnFork:  true,
	specs.SchedFlagReclaim:      true,
	specs.SchedFlagDLOverrun:    true,
	specs.SchedFlagKeepPolicy:   true,
	specs.SchedFlagKeepParams:   true,
	specs.SchedFlagUtilClampMin: true,
	specs.SchedFlagUtilClampMax: true,
}

func checkScheduler(p *specs.Process) error {
	sc := p.Scheduler
	if sc == nil {
		return nil
	}
	realtime := false
	switch sc.Policy {
	case specs.SchedOther, specs.SchedBatch, specs.SchedIdle, specs.SchedDeadline:
	case specs.SchedFIFO, specs.SchedRR:
		realtime = true
	case specs.SchedISO:
		return errf("process.scheduler.policy %q is not supported by the Linux kernel", sc.Policy)
	default:
		return errf("process.scheduler.policy %q is not valid", sc.Policy)
	}
	if sc.Nice < -20 || sc.Nice > 19 {
		return errf("process.scheduler.nice %d is outside [-20, 19]", sc.Nice)
	}
	if realtime && (sc.Priority < 1 || sc.Priority > 99) {
		return errf("process.scheduler.priority %d must be in [1, 99] for %s", sc.Priority, sc.Policy)
	}
	if !realtime && sc.Priority != 0 {
		return errf("process.scheduler.priority must be 0 for %s", sc.Policy)
	}
	for _, f := range sc.Flags {
		if !schedFlags[f] {
			return errf("process.scheduler.flags: unknown flag %q", f)
		}
	}
	if sc.Policy == specs.SchedDeadline {
		return checkDeadline(sc)
	}
	if sc.Runtime != 0 || sc.Deadline != 0 || sc.Period != 0 {
		return errf("process.scheduler: runtime, deadline and period are only for SCHED_DEADLINE")
	}
	return nil
}

func checkDeadline(sc *specs.Scheduler) error {
	period := sc.Period
	if period == 0 {
		period = sc.Deadline
	}
	// sched_setattr(2) wants runtime <= deadline <= period and at least 1024ns.
	if sc.Runtime < 1024 || sc.Deadline < sc.Runtime || period < sc.Deadline {
		return errf("process.scheduler: SCHED_DEADLINE needs 1024 <= runtime <= deadline <= period")
	}
	return nil
}

func checkExecCPUAffinity(p *specs.Process) error {
	a := p.ExecCPUAffinity
	if a == nil {
		return nil
	}
	for _, f := range []struct{ field, v string }{{"initial", a.Initial}, {"final", a.Final}} {
		if f.v == "" {
			continue
		}
		if err := parseCPUList(f.v); err != nil {
			return errf("process.execCPUAffinity.%s: %v", f.field, err)
		}
	}
	return nil
}

// maxCPU bounds list entries so "0-99999999999" cannot ask for a huge mask.
const maxCPU = 1 << 16

// parseCPUList checks the kernel's list format: "0-3,7,9-10".
func parseCPUList(s string) error {
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := cpuNum(lo)
		if err != nil {
			return fmt.Errorf("bad cpu list %q", s)
		}
		if !isRange {
			continue
		}
		b, err := cpuNum(hi)
		if err != nil || b < a {
			return fmt.Errorf("bad cpu list %q", s)
		}
	}
	return nil
}

func cpuNum(s string) (int, error) {
	if !isDigits(s) || len(s) > 6 {
		return 0, fmt.Errorf("bad number %q", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n >= maxCPU {
		return 0, fmt.Errorf("bad number %q", s)
	}
	return n, nil
}
