package child

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/seccomp"
	"github.com/rt-runtime/rt/libct/specconv"
	"github.com/rt-runtime/rt/libct/validate"
)

// Mode is what the child becomes.
type Mode int

const (
	// Create: a new container's init, which waits on the start socket.
	Create Mode = iota
	// Exec: a new process in a running container.
	Exec
)

// Config is what the parent compiles a child from.
type Config struct {
	Mode    Mode
	ID      string
	Bundle  string
	Rootfs  string      // create: the rootfs as a canonical host path
	Spec    *specs.Spec // create: the bundle's config, validated
	Process *specs.Process
	// State is the container's state at create, for the hooks the
	// child runs (its pid is filled in by Start).
	NoPivot      bool
	NoNewKeyring bool
	ListenFDs    int
	PreserveFDs  int
	// Namespaces: for create the spec's, opened and planned by Compile;
	// for exec the init's, in Join.
	Join []Namespace
	// ForkInit, for exec: the pid namespace in Join is joined by the
	// child (a rootless caller), which then forks into it.
	ForkInit bool
	// ThreadPidNS, for exec: the init's pid namespace, which the
	// spawning thread joins (the child is then born in it).
	ThreadPidNS int
	UserNS      bool // the process is in a user namespace
	CgroupPaths map[string]string
	// CgroupMountNames: v1 controller -> its hierarchy's mountpoint's base
	// name on the host (cgroups.V1MountNames), for a cgroup mount.
	CgroupMountNames map[string]string
	CgroupV2         bool
	Seccomp          *seccomp.Program
	// Personality and MemoryPolicy are linux's, for exec'd processes too.
	Personality  *specs.LinuxPersonality
	MemoryPolicy *specs.LinuxMemoryPolicy
	// Stdio are the process's fds 0-2 (nil: /dev/null), ignored with a
	// console: then the pty is.
	Stdio [3]*os.File
	// Console is the connected --console-socket, when the process has a
	// terminal.
	Console *os.File
	// StartListener is create's start socket, which the init waits on.
	StartListener *os.File
	// CopyMemory gives the child a copy of rt's memory rather than a
	// share of it (see fork): for a container whose memory limit is so
	// low that the set-up may hit it, whose OOM kill would otherwise
	// take rt with it.
	CopyMemory bool
}

// Namespace is a namespace fd to join and its CLONE_NEW* type.
type Namespace struct {
	Fd   int
	Type uintptr
}

// Compile builds the program of the child cfg asks for. The fds named in
// cfg must stay open until Start has returned.
func Compile(cfg *Config) (*Program, error) {
	p := NewProgram()
	p.mode = cfg.Mode
	p.ownMM = cfg.CopyMemory
	if cfg.Process == nil {
		return nil, errors.New("child: no process")
	}
	c := &compiler{p: p, cfg: cfg}
	if err := c.fds(); err != nil {
		return nil, err
	}
	var err error
	switch cfg.Mode {
	case Create:
		err = c.create()
	case Exec:
		err = c.exec()
	default:
		err = fmt.Errorf("child: unknown mode %d", cfg.Mode)
	}
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// compiler holds what the parts of Compile share.
type compiler struct {
	p   *Program
	cfg *Config
	// The child's fd numbers of its own fds.
	syncFd, startFd, consoleFd int
	newCgroupNS                bool
	look                       *step // the process's executable lookup
}

// fds lays the child's fds out: 0-2 stdio, 3.. the preserved ones
// (LISTEN_FDS, --preserve-fds), then the child's own, close-on-exec: the
// sync socket (made here), the start socket, the console socket and the
// namespaces to join.
func (c *compiler) fds() error {
	p, cfg := c.p, c.cfg
	stdio := cfg.Stdio
	if cfg.Console != nil {
		// The process's stdio will be the pty: the caller's stdio must
		// not be held by the child meanwhile (a shim waits for EOF on
		// it, and `rt create | cat` would never end).
		stdio = [3]*os.File{}
	}
	for i, f := range stdio {
		if f == nil {
			if p.null == nil {
				var err error
				if p.null, err = os.OpenFile(os.DevNull, os.O_RDWR|unix.O_CLOEXEC, 0); err != nil {
					return err
				}
			}
			f = p.null
		}
		p.Fd(i, int(f.Fd()), true)
	}
	extra := cfg.ListenFDs + cfg.PreserveFDs
	if err := checkPassedFds(extra); err != nil {
		return err
	}
	for i := 0; i < extra; i++ {
		p.Fd(3+i, 3+i, true)
	}
	p.extraFds = extra
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socketpair: %w", err)
	}
	p.parentSock, p.childSock = fds[0], fds[1]
	c.syncFd = p.NextFd()
	p.Fd(c.syncFd, fds[1], false)
	p.syncFd = int32(c.syncFd)
	c.startFd, c.consoleFd = -1, -1
	if cfg.StartListener != nil {
		c.startFd = p.NextFd()
		p.Fd(c.startFd, int(cfg.StartListener.Fd()), false)
		p.st.startL = int32(c.startFd)
	}
	if cfg.Console != nil {
		c.consoleFd = p.NextFd()
		p.Fd(c.consoleFd, int(cfg.Console.Fd()), false)
		p.st.consoleSock = int32(c.consoleFd)
	}
	// No trampoline for this machine is an error of create or exec, not
	// of start.
	_, err = trampoline()
	return err
}

// checkPassedFds makes sure fds 3..3+n-1 really were handed to rt: they
// are inherited without close-on-exec, while everything rt opens itself is
// close-on-exec. A caller that claims more fds than it passed must get an
// error, not rt's own lock in its container.
func checkPassedFds(n int) error {
	if n < 0 {
		return fmt.Errorf("--preserve-fds %d must not be negative", n)
	}
	for fd := 3; fd < 3+n; fd++ {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			return fmt.Errorf("fd %d was not passed to rt (--preserve-fds %d, LISTEN_FDS)", fd, n)
		}
	}
	return nil
}

// joinFds gives the namespaces to join fds of the child and adds the step
// that joins them.
func (c *compiler) joinFds(list []Namespace) {
	if len(list) == 0 {
		return
	}
	p := c.p
	var pairs []int64
	for _, ns := range list {
		n := p.NextFd()
		p.Fd(n, ns.Fd, false)
		pairs = append(pairs, int64(n), int64(ns.Type))
		if ns.Type == unix.CLONE_NEWTIME {
			// setns into a time namespace wants a process whose memory
			// no other shares (its vDSO data changes).
			p.ownMM = true
		}
	}
	s := p.addOp(opJoinNs, "join namespaces")
	s.v = p.numv(pairs...)
}

// dieWithParent arms the parent-death signal again (a change of
// credentials clears it) and ends a child whose parent is gone already.
func (c *compiler) dieWithParent() {
	s := c.p.addOp(opPrctl, "prctl PR_SET_PDEATHSIG")
	s.n[0], s.n[1] = unix.PR_SET_PDEATHSIG, int64(unix.SIGKILL)
}

// survive drops the parent-death signal: the child is recorded where a
// later command finds it (create: in state.json; exec: in the cgroup).
func (c *compiler) survive() {
	s := c.p.addOp(opPrctl, "prctl PR_SET_PDEATHSIG")
	s.n[0], s.n[1] = unix.PR_SET_PDEATHSIG, 0
}

func (c *compiler) send(k Kind) {
	s := c.p.addOp(opSend, "send "+k.String())
	s.n[0] = int64(k)
}

func (c *compiler) expect(k Kind) {
	s := c.p.addOp(opExpect, "wait for "+k.String())
	s.n[0] = int64(k)
}

// create compiles a new container's init: namespaces, cgroup, mounts,
// the root switch, the console, the process's credentials, then the wait
// for `rt start` and the process itself.
func (c *compiler) create() error {
	p, cfg, spec := c.p, c.cfg, c.cfg.Spec
	if spec == nil {
		return errors.New("child: create without a config")
	}
	if err := c.namespaces(); err != nil {
		return err
	}
	// Into the cgroup (unless born there) before the container is built,
	// so that all it does is accounted and limited. The answer carries the
	// container's state for the hooks the child runs.
	s := p.addOp(opAsk, "ask for the cgroup")
	s.n[0], s.n[1] = int64(KindCgroup), 1
	if ns, ok := specconv.Namespace(spec, specs.NetworkNamespace); ok && ns.Path == "" {
		// A namespace joined by path is someone else's to set up.
		p.addOp(opLoopback, "bring up lo")
	}
	if c.newCgroupNS {
		s := p.addOp(opUnshare, "unshare cgroup namespace")
		s.n[0] = unix.CLONE_NEWCGROUP
	}
	c.names()
	mountLabel := ""
	if l := spec.Linux; l != nil && l.MountLabel != "" && selinuxEnabled() {
		// SELinux off: the label means nothing, and a context= option
		// would make every tmpfs mount fail (runc ignores it too).
		mountLabel = l.MountLabel
	}
	o := rootfsOpts{
		userNS: cfg.UserNS, mountLabel: mountLabel, cgroupPaths: cfg.CgroupPaths, cgroupMountNames: cfg.CgroupMountNames,
		cgroupNS: c.newCgroupNS || hasNamespace(spec, specs.CgroupNamespace), cgroupV2: cfg.CgroupV2,
	}
	// A relative bind source is relative to the bundle (runtime-spec), not
	// to wherever rt was run from. Best effort: a bundle the child cannot
	// enter (user namespace) only matters if such a source is used, and
	// that mount then fails naming it.
	s = p.addOp(opChdir, "chdir to the bundle")
	s.s[0], s.n[0] = p.str(cfg.Bundle), 1
	if err := c.prepareRootfs(o); err != nil {
		return err
	}
	if err := c.createHooks(); err != nil {
		return err
	}
	c.enterRoot(hasNamespace(spec, specs.MountNamespace))
	if cwd := cfg.Process.Cwd; cwd != "" && cwd != "/" {
		// Before finishRootfs may make the root read-only.
		s := p.addOp(opMakeCwd, fmt.Sprintf("process.cwd %q", cwd))
		s.s[0] = p.str(filepath.Clean(cwd))
	}
	console := cfg.Process.Terminal
	if console {
		if err := c.newConsole(); err != nil {
			return err
		}
	}
	// Before the readonly paths: they put a mount over /proc/sys, and the
	// /proc handle refuses to cross mounts.
	if err := c.sysctl(); err != nil {
		return err
	}
	if err := c.finishRootfs(console, mountLabel); err != nil {
		return err
	}
	if console {
		// Before ready, not at start: like runc's, a created container
		// already has its terminal as stdio.
		p.addOp(opAttachTerminal, "attach the terminal")
	}
	// A session keyring of its own, so the container cannot read the
	// host's keys.
	c.keyring()
	// Before the chdir to it, in the words create has always used.
	cwd := cfg.Process.Cwd
	if cwd == "" {
		cwd = "/"
	}
	s = p.addOp(opCheckCwd, fmt.Sprintf("process.cwd %q", cwd))
	s.s[0] = p.str(cwd)
	// The process's rlimits, user, capabilities (and the seccomp filter
	// loaded with privileges) at create, as runc and crun apply them:
	// what cannot be applied fails create, and startContainer hooks run
	// with the process's credentials. The exec trampoline comes with
	// start (see waitStart): a created init holds nothing of rt's but
	// its start socket (runc's fd-leak test).
	if err := c.processSetup(); err != nil {
		return err
	}
	c.readyAndWait()
	return c.processStart()
}

// readyAndWait adds the created init's end of create and its wait for
// start, which brings the exec trampoline: the init makes nothing under
// the process's rlimits and a filter loaded at create.
func (c *compiler) readyAndWait() {
	p := c.p
	// A change of credentials clears the parent-death signal: until the
	// parent has recorded the container, the init must still die with
	// it (its next read of the sync socket would end it too).
	c.dieWithParent()
	p.addOp(opProcClose, "close /proc")
	c.send(KindReady)
	// The parent records the container, then lets the init outlive it.
	c.expect(KindOK)
	c.survive()
	s := p.addOp(opCloseFd, "close the sync socket")
	s.n[0] = int64(c.syncFd)
	s = p.addOp(opWaitStart, "wait for start")
	s.n[0] = int64(c.startFd)
}

// names sets the UTS namespace's hostname and domainname.
func (c *compiler) names() {
	p, spec := c.p, c.cfg.Spec
	if spec.Hostname != "" {
		s := p.addOp(opSethostname, fmt.Sprintf("set hostname %q", spec.Hostname))
		s.s[0] = p.str(spec.Hostname)
	}
	if spec.Domainname != "" {
		s := p.addOp(opSetdomainname, fmt.Sprintf("set domainname %q", spec.Domainname))
		s.s[0] = p.str(spec.Domainname)
	}
}

// createHooks has the parent run the prestart and createRuntime hooks,
// then runs the createContainer hooks, once the mounts are made.
func (c *compiler) createHooks() error {
	p, cfg, h := c.p, c.cfg, c.cfg.Spec.Hooks
	if h == nil {
		return nil
	}
	//lint:ignore SA1019 prestart is deprecated, still honoured
	if len(h.Prestart) > 0 || len(h.CreateRuntime) > 0 {
		s := p.addOp(opAsk, "wait for the prestart and createRuntime hooks")
		s.n[0] = int64(KindHooks)
	}
	if len(h.CreateContainer) == 0 {
		return nil
	}
	// In the rootfs, as runc runs them: hooks written for runc use paths
	// relative to it.
	s := p.addOp(opChdir, "chdir to rootfs "+cfg.Rootfs)
	s.s[0] = p.str(cfg.Rootfs)
	if err := c.makeTrampoline(); err != nil {
		return err
	}
	if err := c.hooks("createContainer", HookCreateContainer, h.CreateContainer, 0); err != nil {
		return err
	}
	// Not kept while the init waits for start.
	p.addOp(opDropTrampoline, "close the exec trampoline")
	return nil
}

// sysctl adds linux.sysctl's writes, through the checked /proc handle.
func (c *compiler) sysctl() error {
	l := c.cfg.Spec.Linux
	if l == nil || len(l.Sysctl) == 0 {
		return nil
	}
	keys := make([]string, 0, len(l.Sysctl))
	for k := range l.Sysctl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rel, err := validate.SysctlPath(k)
		if err != nil {
			return err
		}
		v := l.Sysctl[k]
		s := c.p.addOp(opProcWrite, fmt.Sprintf("sysctl %s=%s", k, v))
		s.s[0], s.s[1], s.s[2] = c.p.str(rel), c.p.str(v), none
	}
	return nil
}

// exec compiles a process of a running container: it joins the init's
// namespaces, gets its terminal, says it is ready (the parent then puts
// it in the cgroup: as late as possible, so none of rt's own work is
// charged to the container) and becomes the process.
func (c *compiler) exec() error {
	p, cfg := c.p, c.cfg
	p.threadNS = cfg.ThreadPidNS
	c.joinFds(cfg.Join)
	if err := c.makeTrampoline(); err != nil {
		return err
	}
	if cfg.ForkInit {
		p.addOp(opForkInit, "fork into the container's pid namespace")
		p.forkInit = true
	}
	c.dieWithParent()
	// The container's session keyring, not the caller's (whose keys the
	// container could then read), as runc's exec joins it.
	c.keyring()
	// The initial affinity holds while rt sets the process up, outside
	// the container's cgroup; the final one is set at the end.
	if a := cfg.Process.ExecCPUAffinity; a != nil && a.Initial != "" {
		if err := c.affinity("initial", a.Initial); err != nil {
			return err
		}
	}
	if cfg.Process.Terminal {
		if err := c.newConsole(); err != nil {
			return err
		}
		p.addOp(opAttachTerminal, "attach the terminal")
	}
	c.send(KindReady)
	c.expect(KindOK)
	// In the container's cgroup now, where delete finds it: the process
	// may outlive rt exec (rt exec -d exits right after its execve).
	c.survive()
	if err := c.processSetup(); err != nil {
		return err
	}
	return c.processStart()
}

// newConsole adds the pty, made through the container's own devpts so
// that the slave is a device the container knows, its master sent to the
// console socket.
func (c *compiler) newConsole() error {
	if c.consoleFd < 0 {
		return errors.New("process.terminal is set: --console-socket is required")
	}
	s := c.p.addOp(opNewConsole, "make the console")
	if sz := c.cfg.Process.ConsoleSize; sz != nil {
		s.n[0], s.n[1] = int64(sz.Height), int64(sz.Width)
	}
	return nil
}

func hasNamespace(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	return specconv.HasNamespace(s, t)
}

func selinuxEnabled() bool { return selinux.GetEnabled() }

// makeTrampoline makes the exec trampoline's sealed memfd (see
// trampoline.go) and gives it to the child, close-on-exec: an exec'd
// process's, or the createContainer hooks' (dropped before the init says
// it is ready; a created init gets its own with start, see waitStart).
// Made here, not by the child, which so needs neither memfd_create nor
// room under the process's rlimits for it.
func (c *compiler) makeTrampoline() error {
	fd, err := trampolineFile()
	if err != nil {
		return err
	}
	p := c.p
	p.ownFds = append(p.ownFds, fd)
	n := p.NextFd()
	p.Fd(n, fd, false)
	p.st.tramp = int32(n)
	return nil
}

// keyring adds the join of the container's session keyring (unless it was
// created with --no-new-keyring). Under SELinux the keyring carries the
// process's label, as runc's does: the child sets its keycreate label for
// the join and clears it after. SELinux is asked here, in the host's mount
// namespace: inside the container's no selinuxfs may be mounted.
func (c *compiler) keyring() {
	if c.cfg.NoNewKeyring {
		return
	}
	p := c.p
	s := p.addOp(opKeyring, "join session keyring")
	s.s[0], s.s[1] = p.str("_ses."+c.cfg.ID), none
	if l := c.cfg.Process.SelinuxLabel; l != "" && selinuxEnabled() {
		s.s[1] = p.str(l)
	}
}
