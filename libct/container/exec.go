package container

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/cgroups"
	"github.com/rt-runtime/rt/libct/initproc"
	"github.com/rt-runtime/rt/libct/seccomp"
	"github.com/rt-runtime/rt/libct/userns"
	"github.com/rt-runtime/rt/libct/validate"
)

// ExecOpts are the exec command's inputs; Process is complete (the CLI has
// merged its flags with the container's defaults).
type ExecOpts struct {
	Process       *specs.Process
	ConsoleSocket string
	Console       *os.File
	PidFile       string
	PreserveFDs   int
	Stdio         [3]*os.File
	// PidfdSocket receives a pidfd of the process (--pidfd-socket).
	PidfdSocket string
	// BeforeExec, when set, runs once the process is ready and before it
	// execs: a foreground exec takes over its terminal there, so none of
	// the process's output is written before the terminal is set up.
	BeforeExec func() error
	// SubCgroups places the process in existing sub-cgroups of the
	// container's cgroup (exec --cgroup): controller -> relative path,
	// with "" meaning every hierarchy.
	SubCgroups map[string]string
	// IgnorePaused execs in a paused container too; the process then
	// starts once the container is resumed (exec --ignore-paused).
	IgnorePaused bool
	// CacheDir is CreateOpts.CacheDir.
	CacheDir string
}

// Process is a started exec (or a foreground init) the caller may wait on.
type Process struct {
	ch *child
}

func (p *Process) Pid() int { return p.ch.cmd.Process.Pid }

// Wait waits for the process and returns its exit code the shell way
// (128+signal when killed).
func (p *Process) Wait() (int, error) {
	parkUntilExit(p.ch.cmd.Process.Pid)
	ws, err := p.ch.cmd.Process.Wait()
	if err != nil {
		return -1, err
	}
	if w, ok := ws.Sys().(syscall.WaitStatus); ok && w.Signaled() {
		return 128 + int(w.Signal()), nil
	}
	return ws.ExitCode(), nil
}

// Signal forwards sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.ch.cmd.Process.Signal(sig) }

// Exec starts a new process inside the running (or created) container.
func (c *Container) Exec(o ExecOpts) (*Process, error) {
	// The process joins the cgroup at the end: take the kernel's slow
	// first-migration wait now, in the background.
	cgroups.StartWarm()
	defer cgroups.StopWarm()
	switch st := c.Status(); {
	case st == Created || st == Running:
	case st == Paused && o.IgnorePaused:
	case st == Paused:
		// runc's words: scripts look for them.
		return nil, fmt.Errorf("container %q: cannot exec in a paused container (use --ignore-paused to override)", c.state.ID)
	default:
		return nil, fmt.Errorf("container %q is %s: cannot exec in it", c.state.ID, st)
	}
	cgPaths, err := c.execCgroupPaths(o.SubCgroups)
	if err != nil {
		return nil, err
	}
	p := o.Process
	if err := validate.Process(p); err != nil {
		return nil, err
	}
	if err := rootlessGroups(p); err != nil {
		return nil, err
	}
	if p.Terminal && o.ConsoleSocket == "" && o.Console == nil {
		return nil, fmt.Errorf("exec: a terminal needs --console-socket (or run in the foreground)")
	}
	if err := checkProcessHost(p); err != nil {
		return nil, err
	}
	linux := &c.stored().Linux
	co := childOpts{mode: "exec", extraFds: o.PreserveFDs, stdio: o.Stdio}
	// Open the namespaces through the init's /proc entry, then check the
	// init is still the same process: a recycled PID must not be joined.
	var threadOps []nsOp
	closeAll := func() {
		for _, fd := range co.setns {
			unix.Close(fd)
		}
		for _, op := range threadOps {
			unix.Close(op.fd)
		}
	}
	defer closeAll()
	have := map[specs.LinuxNamespaceType]bool{}
	for _, ns := range linux.Namespaces {
		have[ns.Type] = true
	}
	userNS := have[specs.UserNamespace]
	open := func(t specs.LinuxNamespaceType) (int, error) {
		name := nsProcName[t]
		if t == specs.TimeNamespace {
			// A created init enters its time namespace only at its
			// execve: until then it is in time_for_children.
			name = "time_for_children"
		}
		p := filepath.Join("/proc", strconv.Itoa(c.state.Pid), "ns", name)
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, fmt.Errorf("open %s: %w", p, err)
		}
		return fd, nil
	}
	for _, t := range joinOrder {
		if !have[t] {
			continue
		}
		fd, err := open(t)
		if err != nil {
			return nil, err
		}
		co.setns = append(co.setns, fd)
	}
	if have[specs.PIDNamespace] {
		fd, err := open(specs.PIDNamespace)
		if err != nil {
			return nil, err
		}
		if userNS && os.Geteuid() != 0 {
			// An unprivileged rt may not join the pid namespace from the
			// host's user namespace: the constructor joins it after the
			// user namespace, then forks into it.
			co.setns = append(co.setns, fd)
			co.forkInit = true
		} else {
			threadOps = append(threadOps, nsOp{fd: fd})
		}
	}
	if !alive(c.state.Pid, c.state.InitStartTime) {
		return nil, fmt.Errorf("container %q is not running", c.state.ID)
	}

	if o.Console != nil {
		co.console = o.Console
	} else if o.ConsoleSocket != "" {
		if co.console, err = dialConsole(o.ConsoleSocket); err != nil {
			return nil, err
		}
		defer co.console.Close()
	}
	var pidfdSock *os.File
	if o.PidfdSocket != "" {
		if pidfdSock, err = dialPidfdSocket(o.PidfdSocket); err != nil {
			return nil, err
		}
		defer pidfdSock.Close()
	}
	var cfgSeccomp []byte
	if linux.Seccomp != nil {
		prog, err := seccomp.Compile(linux.Seccomp, seccompCache(o.CacheDir))
		if err != nil {
			return nil, fmt.Errorf("seccomp: %w", err)
		}
		cfgSeccomp = prog.Bytes()
	}
	ch, cfg, err := newChild(co)
	if err != nil {
		return nil, err
	}
	ch.threadO = threadOps
	if err := ch.start(); err != nil {
		return nil, err
	}
	defer ch.releaseThread()
	crashPoint("exec: process started")
	ok := false
	defer func() {
		if !ok {
			ch.kill()
		}
	}()
	cfg.ID, cfg.Bundle, cfg.Process, cfg.UserNS, cfg.Seccomp = c.state.ID, c.state.Bundle, p, userNS, cfgSeccomp
	cfg.NoNewKeyring, cfg.SELinux = c.state.NoNewKeyring, selinuxLabels(p)
	cfg.Personality = linux.Personality
	cfg.MemoryPolicy = linux.MemoryPolicy
	if err := ch.sendConfig(cfg); err != nil {
		return nil, err
	}
	crashPoint("exec: config sent")
	if _, _, err := ch.conn.Expect(initproc.MsgReady); err != nil {
		return nil, ch.failure(err)
	}
	slog.Debug("child process in init(): in the namespaces, moving it into the cgroup")
	crashPoint("exec: process ready")
	pid := ch.cmd.Process.Pid
	logCPUAffinity(pid)
	// Into the cgroup only now, right before the exec: rt's own memory and
	// threads are never charged to the container's limits.
	if err := joinCgroups(cgPaths, len(o.SubCgroups) > 0, pid); err != nil {
		// As runc: a rootless caller may not move a process out of its
		// own cgroup (the common ancestor is not delegated to it); the
		// process then runs outside the container's cgroup.
		if !rootlessCaller() || !errors.Is(err, os.ErrPermission) {
			return nil, err
		}
		slog.Debug("rootless: exec'd process not moved into the container's cgroup", "err", err)
	}
	crashPoint("exec: process in cgroup")
	cgroups.StopWarm()
	if err := setOOMScoreAdj(pid, p.OOMScoreAdj); err != nil {
		return nil, err
	}
	// Before the exec, as runc does.
	if pidfdSock != nil {
		if err := sendPidfd(pidfdSock, pid, "setns"); err != nil {
			return nil, err
		}
	}
	if o.BeforeExec != nil {
		if err := o.BeforeExec(); err != nil {
			return nil, err
		}
	}
	if err := ch.conn.Send(initproc.Message{Type: initproc.MsgOK}); err != nil {
		return nil, err
	}
	slog.Debug("setns_init: about to exec")
	crashPoint("exec: process released")
	if err := c.awaitExec(ch.conn, pid); err != nil {
		return nil, err
	}
	ch.conn.Close()
	crashPoint("exec: process exec'd")
	if o.PidFile != "" {
		if err := writePidFile(o.PidFile, pid); err != nil {
			return nil, err
		}
	}
	ok = true
	return &Process{ch: ch}, nil
}

var nsProcName = map[specs.LinuxNamespaceType]string{
	specs.UserNamespace: "user", specs.MountNamespace: "mnt", specs.PIDNamespace: "pid",
	specs.NetworkNamespace: "net", specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

// InitProcess wraps the init child of a Create made in this process (for
// run in the foreground).
func InitProcess(ch *child) *Process { return &Process{ch: ch} }

// rootlessCaller tells whether rt runs without the host's root: another
// euid, or inside a user namespace an engine made.
func rootlessCaller() bool { return os.Geteuid() != 0 || userns.RunningInUserNS() }

// joinCgroups moves pid into the container's cgroup, or into the
// sub-cgroups exec --cgroup named. On v2 those are only entered: Apply would
// enable controllers in the container's own cgroup, which holds the init,
// and that turns the sub-cgroup "domain invalid". On v1 Apply is kept for
// its filling of an empty cpuset, without which the join fails.
func joinCgroups(paths map[string]string, sub bool, pid int) error {
	if len(paths) == 0 {
		return nil // a rootless container without a cgroup
	}
	if !sub || !cgroups.IsV2() {
		m, err := cgroups.Load(paths)
		if err != nil {
			return err
		}
		if err := m.Apply(pid); err != nil {
			return fmt.Errorf("join container cgroup: %w", err)
		}
		return nil
	}
	done := map[string]bool{}
	for _, d := range paths {
		if done[d] {
			continue
		}
		done[d] = true
		p := filepath.Join(d, "cgroup.procs")
		if err := os.WriteFile(p, []byte(strconv.Itoa(pid)), 0); err != nil {
			return fmt.Errorf("exec --cgroup: join %s: %w", d, err)
		}
	}
	return nil
}

// execCgroupPaths returns the cgroup directories an exec'd process joins:
// the container's, with the requested sub-cgroups appended. Like runc it
// never creates them: a missing one is an error.
func (c *Container) execCgroupPaths(sub map[string]string) (map[string]string, error) {
	paths := make(map[string]string, len(c.state.CgroupPaths))
	for k, v := range cgroups.DirPaths(c.state.CgroupPaths) {
		paths[k] = v
	}
	if len(sub) == 0 {
		return paths, nil
	}
	// The words of the errors below are runc's, which its tests match.
	join := func(base, rel string) (string, error) {
		// "/" (or ".") is the container's own cgroup.
		d := filepath.Join(base, rel)
		if r, err := filepath.Rel(base, d); err != nil || r == ".." || strings.HasPrefix(r, "../") {
			return "", fmt.Errorf("exec --cgroup %s: bad sub cgroup path: it is not under the container's cgroup", rel)
		}
		return d, nil
	}
	if rel, ok := sub[""]; ok {
		if len(sub) != 1 {
			return nil, fmt.Errorf("exec --cgroup: a path without a controller cannot be combined with others")
		}
		for k, base := range paths {
			d, err := join(base, rel)
			if err != nil {
				return nil, err
			}
			paths[k] = d
		}
	} else {
		orig := cgroups.DirPaths(c.state.CgroupPaths)
		for ctrl, rel := range sub {
			base, ok := orig[ctrl]
			if !ok {
				return nil, fmt.Errorf("exec --cgroup: unknown controller %q: the container has no such cgroup", ctrl)
			}
			d, err := join(base, rel)
			if err != nil {
				return nil, err
			}
			// Co-mounted controllers (cpu,cpuacct) share one directory:
			// the process can only be in it once.
			for k, v := range orig {
				if v == base {
					paths[k] = d
				}
			}
		}
	}
	for _, d := range paths {
		if _, err := os.Stat(filepath.Join(d, "cgroup.procs")); err != nil {
			return nil, fmt.Errorf("exec --cgroup: sub-cgroup %s: adding pid to it: %w", d, err)
		}
	}
	return paths, nil
}

// logCPUAffinity logs, with --debug, the CPUs the process runs on before it
// joins the container's cgroup (process.execCPUAffinity.initial, if set),
// in runc's words: runc's tests read them to see that the initial affinity
// took effect that early.
func logCPUAffinity(pid int) {
	if !slog.Default().Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(pid, &set); err != nil {
		slog.Debug("sched_getaffinity", "pid", pid, "err", err)
		return
	}
	mask := new(big.Int)
	for cpu := 0; cpu < len(set)*64; cpu++ {
		if set.IsSet(cpu) {
			mask.SetBit(mask, cpu, 1)
		}
	}
	slog.Debug("nsexec: affinity: 0x" + mask.Text(16))
}
