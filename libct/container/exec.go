package container

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/child"
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
	ch *child.Child
}

// Wait waits for the process and returns its exit code the shell way
// (128+signal when killed).
func (p *Process) Wait() (int, error) {
	parkUntilExit(p.ch.Pid)
	ws, err := p.ch.Wait()
	if err != nil {
		return -1, err
	}
	return shellCode(ws), nil
}

// shellCode is an exit status as a shell gives it: 128+n for signal n.
func shellCode(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// Signal forwards sig to the process.
func (p *Process) Signal(sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return errors.New("unsupported signal type")
	}
	if p.ch.Pidfd >= 0 {
		return unix.PidfdSendSignal(p.ch.Pidfd, s, nil, 0)
	}
	return unix.Kill(p.ch.Pid, s)
}

// Exec starts a new process inside the running (or created) container.
func (c *Container) Exec(o ExecOpts) (*Process, error) {
	if err := c.canExec(o.IgnorePaused); err != nil {
		return nil, err
	}
	cgPaths, err := c.execCgroupPaths(o.SubCgroups)
	if err != nil {
		return nil, err
	}
	if err := checkExecProcess(o.Process); err != nil {
		return nil, err
	}
	o.Process = inheritSecurity(o.Process, c.ProcessSpec())
	linux := &c.stored().Linux
	ns, err := c.openNamespaces(linux.Namespaces)
	if err != nil {
		return nil, err
	}
	defer ns.close()
	io, err := openChildIO(o.Process, o.Console, o.ConsoleSocket, o.PidfdSocket, linux.Seccomp, o.CacheDir)
	if err != nil {
		return nil, err
	}
	defer io.close()
	ch, restoreOOM, err := c.startProcess(o, ns, io)
	if err != nil {
		return nil, err
	}
	// Once the process has exec'd or failed, it shares rt's memory no more.
	defer restoreOOM()
	defer ch.Release()
	if err := c.releaseProcess(ch, o, io, cgPaths); err != nil {
		ch.Kill()
		return nil, err
	}
	if o.PidFile != "" {
		if err := writePidFile(o.PidFile, ch.Pid); err != nil {
			ch.Kill()
			return nil, err
		}
	}
	return &Process{ch: ch}, nil
}

// inheritSecurity gives a process exec'd without capabilities, an AppArmor
// profile or an SELinux label (exec --process with a minimal process.json)
// the container's, as runc and crun do; left without, it would run with
// rt's own: all of the host root's capabilities, unconfined.
func inheritSecurity(p, own *specs.Process) *specs.Process {
	if own == nil {
		return p
	}
	q := *p
	if q.Capabilities == nil {
		q.Capabilities = own.Capabilities
	}
	if q.ApparmorProfile == "" {
		q.ApparmorProfile = own.ApparmorProfile
	}
	if q.SelinuxLabel == "" {
		q.SelinuxLabel = own.SelinuxLabel
	}
	return &q
}

// canExec refuses a container that has no process to join.
func (c *Container) canExec(ignorePaused bool) error {
	switch st := c.Status(); {
	case st == Created || st == Running:
	case st == Paused && ignorePaused:
	case st == Paused:
		// runc's words: scripts look for them.
		return fmt.Errorf("container %q: cannot exec in a paused container (use --ignore-paused to override)", c.state.ID)
	default:
		return fmt.Errorf("container %q is %s: cannot exec in it", c.state.ID, st)
	}
	return nil
}

// checkExecProcess checks the process exec was given, as create checks
// config.json's.
func checkExecProcess(p *specs.Process) error {
	if err := validate.Process(p); err != nil {
		return err
	}
	if err := userns.CheckRootlessGroups(p); err != nil {
		return err
	}
	return checkProcessHost(p)
}

// startProcess compiles the process and clones it into the init's
// namespaces; it returns what gives rt its own oomScoreAdj back.
func (c *Container) startProcess(o ExecOpts, ns *execNamespaces, io *childIO) (*child.Child, func(), error) {
	p, linux := o.Process, &c.stored().Linux
	prog, err := child.Compile(&child.Config{
		Mode: child.Exec, ID: c.state.ID, Bundle: c.state.Bundle, Process: p, NoNewKeyring: c.state.NoNewKeyring,
		PreserveFDs: o.PreserveFDs, Join: ns.join, ForkInit: ns.forkInit, ThreadPidNS: ns.pid,
		UserNS: ns.userNS, Seccomp: io.seccomp, Personality: linux.Personality,
		MemoryPolicy: linux.MemoryPolicy, Stdio: o.Stdio, Console: io.console,
	})
	if err != nil {
		return nil, nil, err
	}
	restoreOOM, err := takeOOMScoreAdj(p.OOMScoreAdj)
	if err != nil {
		return nil, nil, err
	}
	ch, err := prog.Start(nil)
	if err != nil {
		restoreOOM()
		return nil, nil, fmt.Errorf("start process: %w", err)
	}
	slog.Debug(runcLogChildStarted+": process started", "pid", ch.Pid)
	crashPoint("exec: process started")
	return ch, restoreOOM, nil
}

// releaseProcess answers the process until it is ready, moves it into
// its cgroup and lets it exec; it returns once the execve has closed the
// sync socket (or the set-up failed).
func (c *Container) releaseProcess(ch *child.Child, o ExecOpts, io *childIO, cgPaths map[string]string) error {
	h := &seccompHandler{c: c, pid: ch.Pid}
	if _, err := ch.Conn.Serve(h, child.KindReady); err != nil {
		return ch.Failure(err)
	}
	slog.Debug(runcLogChildInNamespaces + ": in its namespaces, moving it into its cgroup")
	crashPoint("exec: process ready")
	pid := ch.Pid
	logCPUAffinity(pid)
	// Into the cgroup only now, right before the exec: rt's own memory and
	// threads are never charged to the container's limits.
	if err := joinCgroups(cgPaths, len(o.SubCgroups) > 0, pid); err != nil {
		// As runc: a rootless caller may not move a process out of its
		// own cgroup (the common ancestor is not delegated to it); the
		// process then runs outside the container's cgroup.
		if !rootlessCaller() || !errors.Is(err, os.ErrPermission) {
			return err
		}
		slog.Debug("rootless: exec'd process not moved into the container's cgroup", "err", err)
	}
	crashPoint("exec: process in cgroup")
	// Before the exec, as runc does.
	if err := io.sendPidfd(pid, "setns"); err != nil {
		return err
	}
	if o.BeforeExec != nil {
		if err := o.BeforeExec(); err != nil {
			return err
		}
	}
	if err := ch.Conn.Send(child.Msg{Kind: child.KindOK}); err != nil {
		return err
	}
	slog.Debug(runcLogAboutToExec)
	crashPoint("exec: process released")
	// Until the execve closes the socket: errors of the process's set-up,
	// a seccomp listener for the agent.
	if _, err := ch.Conn.Serve(h, 0); err != nil {
		return ch.Failure(err)
	}
	// The execve, or an error a seccomp filter kept the process from
	// sending (it shares this process's memory: see Child.UnsentError).
	if err := ch.UnsentError(); err != nil {
		return err
	}
	ch.Conn.Close()
	crashPoint("exec: process exec'd")
	return nil
}

// seccompHandler answers a process about to exec (an exec'd process, or
// the init once started): it may only hand over its seccomp listener.
type seccompHandler struct {
	c   *Container
	pid int
}

var _ child.SeccompHandler = (*seccompHandler)(nil)

func (h *seccompHandler) Seccomp(fd int) error {
	return h.c.sendSeccompListener(fd, h.pid, Running)
}

// InitProcess wraps the init child of a Create made in this process (for
// run in the foreground).
func InitProcess(ch *child.Child) *Process { return &Process{ch: ch} }

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
	slog.Debug(runcLogAffinity + "0x" + mask.Text(16))
}
