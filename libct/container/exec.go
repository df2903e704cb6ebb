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
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
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

func (h *seccompHandler) Seccomp(fd int) error { return h.c.sendSeccompListener(fd, h.pid) }

// execNamespaces are the init's namespaces an exec'd process joins.
type execNamespaces struct {
	join     []child.Namespace
	pid      int // joined by the spawning thread (-1: none)
	forkInit bool
	userNS   bool
}

func (n *execNamespaces) close() {
	for _, ns := range n.join {
		unix.Close(ns.Fd)
	}
	if n.pid >= 0 {
		unix.Close(n.pid)
	}
}

// openNamespaces opens the init's namespaces through its /proc entry,
// then checks the init is still the same process: a recycled PID must not
// be joined.
func (c *Container) openNamespaces(nss []specs.LinuxNamespace) (*execNamespaces, error) {
	n := &execNamespaces{pid: -1}
	have := map[specs.LinuxNamespaceType]bool{}
	for _, ns := range nss {
		have[ns.Type] = true
	}
	n.userNS = have[specs.UserNamespace]
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
	ok := false
	defer func() {
		if !ok {
			n.close()
		}
	}()
	for _, t := range child.JoinOrder() {
		if !have[t] {
			continue
		}
		fd, err := open(t)
		if err != nil {
			return nil, err
		}
		n.join = append(n.join, child.Namespace{Fd: fd, Type: child.NamespaceFlag(t)})
	}
	if have[specs.PIDNamespace] {
		fd, err := open(specs.PIDNamespace)
		if err != nil {
			return nil, err
		}
		if n.userNS && os.Geteuid() != 0 {
			// An unprivileged rt may not join the pid namespace from the
			// host's user namespace: the child joins it after the user
			// namespace, then forks into it.
			n.join = append(n.join, child.Namespace{Fd: fd, Type: unix.CLONE_NEWPID})
			n.forkInit = true
		} else {
			n.pid = fd
		}
	}
	if !alive(c.state.Pid, c.state.InitStartTime) {
		return nil, notRunning{c.state.ID}
	}
	ok = true
	return n, nil
}

// InitProcess wraps the init child of a Create made in this process (for
// run in the foreground).
func InitProcess(ch *child.Child) *Process { return &Process{ch: ch} }

var nsProcName = map[specs.LinuxNamespaceType]string{
	specs.UserNamespace: "user", specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts",
	specs.NetworkNamespace: "net", specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
	specs.MountNamespace: "mnt", specs.PIDNamespace: "pid",
}

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
	slog.Debug(runcLogAffinity + "0x" + mask.Text(16))
}
