package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/cgroups"
	"github.com/rt-runtime/rt/libct/hooks"
	"github.com/rt-runtime/rt/libct/initproc"
	"github.com/rt-runtime/rt/libct/seccomp"
	"github.com/rt-runtime/rt/libct/validate"
)

// CreateOpts are the create command's inputs.
type CreateOpts struct {
	Root   string
	ID     string
	Bundle string
	Args   []string // replaces process.args when set (rt run DIR -- CMD)
	// Spec, when set, is the bundle's config.json as the caller already
	// read it (run does, to see whether it needs a terminal).
	Spec          *specs.Spec
	ConsoleSocket string
	// PidfdSocket receives a pidfd of the init (--pidfd-socket).
	PidfdSocket string
	// Console, when set, is an already connected console socket (run and
	// exec in the foreground make their own).
	Console       *os.File
	PidFile       string
	NoPivot       bool
	NoNewKeyring  bool
	PreserveFDs   int
	ListenFDs     int
	SystemdCgroup bool
	// Rootless tolerates cgroup permission errors (--rootless).
	Rootless bool
	Stdio    [3]*os.File
	// CacheDir holds what rt can rebuild (compiled seccomp filters);
	// "" caches nothing.
	CacheDir string
}

// LoadSpec reads and validates bundle/config.json.
func LoadSpec(bundle string) (*specs.Spec, error) {
	b, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("config.json: %w", err)
	}
	var s specs.Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("config.json: %w", err)
	}
	return &s, nil
}

// loadBundle is what Create and BeginRestore (verb) check before they
// claim anything: the bundle's absolute path and its config, validated,
// with o.Args in place of process.args when given.
func loadBundle(o CreateOpts, verb string) (string, *specs.Spec, error) {
	bundle, err := filepath.Abs(o.Bundle)
	if err != nil {
		return "", nil, err
	}
	spec := o.Spec
	if spec == nil {
		if spec, err = LoadSpec(bundle); err != nil {
			return "", nil, err
		}
	}
	if len(o.Args) > 0 && spec.Process != nil {
		spec.Process.Args = o.Args
	}
	if err := validate.Spec(spec, bundle); err != nil {
		return "", nil, err
	}
	if spec.Process == nil {
		return "", nil, fmt.Errorf("config.json: process is required to %s a container", verb)
	}
	return bundle, spec, nil
}

// resolveRootfs is root.path as a host path with no symlinks.
func resolveRootfs(spec *specs.Spec, bundle string) (string, error) {
	rootfs := spec.Root.Path
	if !filepath.IsAbs(rootfs) {
		rootfs = filepath.Join(bundle, rootfs)
	}
	rootfs, err := filepath.EvalSymlinks(rootfs)
	if err != nil {
		return "", fmt.Errorf("config.json: root.path: %w", err)
	}
	return rootfs, nil
}

// seccompCache is the seccomp compile cache under the cache dir.
func seccompCache(cacheDir string) string {
	if cacheDir == "" {
		return ""
	}
	return filepath.Join(cacheDir, "seccomp")
}

// makeStateDir claims the container's state directory under root: its
// existence is what makes an id taken.
func makeStateDir(root, id string) (string, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("create root %s: %w", root, err)
	}
	dir := filepath.Join(root, id)
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("container %q already exists", id)
		}
		return "", fmt.Errorf("create state dir: %w", err)
	}
	return dir, nil
}

// Create makes a container in the created state: its init is alive,
// inside every namespace and its cgroup, and blocked until Start. On any
// error nothing is left behind: no state dir, cgroup, mount or process.
func Create(o CreateOpts) (_ *Container, _ *child, err error) {
	if err := validate.ID(o.ID); err != nil {
		return nil, nil, err
	}
	// Off the critical path: see cgroups.StartWarm.
	cgroups.StartWarm()
	defer cgroups.StopWarm()
	bundle, spec, err := loadBundle(o, "create")
	if err != nil {
		return nil, nil, err
	}
	if err := rootlessGroups(spec.Process); err != nil {
		return nil, nil, err
	}
	if spec.Process.Terminal && o.ConsoleSocket == "" && o.Console == nil {
		return nil, nil, errors.New("process.terminal is set: --console-socket is required (or run in the foreground)")
	}
	rootfs, err := resolveRootfs(spec, bundle)
	if err != nil {
		return nil, nil, err
	}

	// The root exists once a create got this far, even one the cgroup
	// driver then refuses: `list` of it answers, as after runc.
	if err := os.MkdirAll(o.Root, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create root %s: %w", o.Root, err)
	}
	// What the host lacks (as `rt check` says it), before anything is
	// made. The cgroup is resolved (not made) there, before the
	// container's directory exists, so that its first record names it.
	cgm, err := checkHost(o, bundle, rootfs, spec)
	if err != nil {
		return nil, nil, err
	}
	dir, err := makeStateDir(o.Root, o.ID)
	if err != nil {
		return nil, nil, err
	}
	crashPoint("create: state dir made")
	// Locals, not named results: the cleanup below must still see them
	// after a "return nil, nil, err".
	c := &Container{root: o.Root, dir: dir}
	var ch *child
	if c.lock, err = lockDir(dir); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	crashPoint("create: locked")
	var cg cgroups.Manager
	defer func() {
		if err == nil {
			return
		}
		if ch != nil {
			ch.releaseThread()
			ch.kill()
		}
		if cg != nil {
			// A limit too low to even set the container up shows as an
			// init SIGKILLed for no visible reason: name the cause.
			if errors.Is(err, errInitKilled) && hitMemoryLimit(cg) {
				err = errors.New("container init was OOM-killed: linux.resources.memory.limit is too low")
			}
			if derr := cg.Destroy(); derr != nil {
				slog.Warn("remove cgroup after failed create", "err", derr)
			}
		}
		os.RemoveAll(dir)
		c.Unlock()
	}()
	// A cgroup that is someone else's (it has processes, or is frozen) is
	// refused while cg is still nil, so the cleanup leaves it alone.
	if err = cgroups.CheckUnused(cgm); err != nil {
		return nil, nil, err
	}

	owner := ""
	if u, uerr := user.Current(); uerr == nil {
		owner = u.Username
	}
	cg = cgm
	c.state = &State{
		OCIVersion: spec.Version, ID: o.ID, Status: Creating, Bundle: bundle,
		Rootfs: rootfs, Created: time.Now().UTC(), Owner: owner,
		Annotations: spec.Annotations, Spec: spec, CgroupPaths: cg.Paths(),
		NoNewKeyring: o.NoNewKeyring,
	}
	// The record comes before everything it names: whenever this process
	// dies from here on, delete finds the cgroup (and, in config.json once
	// written, the poststop hooks) and removes them with this directory.
	// No process needs recording: until the init is released below, it
	// dies with us (parent-death signal, and EOF on its sync socket).
	if err = c.saveStatus(); err != nil {
		return nil, nil, fmt.Errorf("record container %q: %w", o.ID, err)
	}
	crashPoint("create: recorded")

	co := childOpts{mode: "create", extraFds: o.ListenFDs + o.PreserveFDs, stdio: o.Stdio}
	icfg := &initproc.Config{}
	if err := namespaceOpts(spec, &co, icfg); err != nil {
		return nil, nil, err
	}
	closeNs := func() {
		for _, fd := range co.setns {
			unix.Close(fd)
		}
	}
	defer closeNs()

	if spec.Linux != nil && spec.Linux.Seccomp != nil {
		prog, err := seccomp.Compile(spec.Linux.Seccomp, seccompCache(o.CacheDir))
		if err != nil {
			return nil, nil, fmt.Errorf("seccomp: %w", err)
		}
		icfg.Seccomp = prog.Bytes()
	}

	startL, err := listenStart(dir)
	if err != nil {
		return nil, nil, err
	}
	defer startL.Close()
	co.startFd = startL
	if o.Console != nil {
		co.console = o.Console
	} else if o.ConsoleSocket != "" {
		if co.console, err = dialConsole(o.ConsoleSocket); err != nil {
			return nil, nil, err
		}
		defer co.console.Close()
	}

	var pidfdSock *os.File
	if o.PidfdSocket != "" {
		if pidfdSock, err = dialPidfdSocket(o.PidfdSocket); err != nil {
			return nil, nil, err
		}
		defer pidfdSock.Close()
	}

	var threadOps []nsOp
	threadOps, err = threadNamespaceOps(spec)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		for _, op := range threadOps {
			if op.fd >= 0 {
				unix.Close(op.fd)
			}
		}
	}()

	// On cgroup v2 the init can be born in its cgroup (clone3 with
	// CLONE_INTO_CGROUP): no migration, so no migration wait. Its Go
	// runtime is then charged to the container, so only when the limits
	// leave ample room for that.
	// Not with systemd: its scope only exists once it is given a pid.
	intoCgroup := cgroups.IsV2() && roomForInit(spec) && !o.SystemdCgroup
	if intoCgroup {
		if err = makeCgroup(c, cg, spec); err != nil {
			return nil, nil, err
		}
		crashPoint("create: cgroup made")
		// A rootless container may have no cgroup at all.
		if dir := c.state.CgroupPaths[""]; dir != "" {
			if co.cgroupDir, err = os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
				return nil, nil, fmt.Errorf("open cgroup %s: %w", dir, err)
			}
			defer co.cgroupDir.Close()
		} else {
			intoCgroup = false
		}
	}

	var cfg *initproc.Config
	if ch, cfg, err = newChild(co); err != nil {
		return nil, nil, err
	}
	ch.threadO = threadOps
	if err = ch.start(); err != nil {
		ch = nil
		return nil, nil, err
	}
	defer ch.releaseThread()
	crashPoint("create: init started")
	pid := ch.cmd.Process.Pid
	c.state.Pid = pid
	if _, c.state.InitStartTime, err = procStat(pid); err != nil {
		return nil, nil, fmt.Errorf("read init start time: %w", err)
	}

	cfg.ID, cfg.Bundle, cfg.Rootfs, cfg.Container, cfg.Process = o.ID, bundle, rootfs, initproc.ContainerOf(spec), spec.Process
	cfg.NoPivot, cfg.NoNewKeyring, cfg.ListenFds = o.NoPivot, o.NoNewKeyring, o.ListenFDs
	cfg.SELinux = selinuxLabels(spec.Process)
	cfg.UserNS, cfg.NewCgroupNS = icfg.UserNS, icfg.NewCgroupNS
	cfg.CgroupPaths, cfg.CgroupV2 = cgroups.DirPaths(cg.Paths()), cgroups.IsV2()
	cfg.Seccomp = icfg.Seccomp
	if spec.Linux != nil {
		cfg.Personality = spec.Linux.Personality
		cfg.MemoryPolicy = spec.Linux.MemoryPolicy
	}
	cfg.State = c.specState(Creating)
	cfg.HookEnv = createContainerHookEnv(spec)
	if err = ch.sendConfig(cfg); err != nil {
		return nil, nil, err
	}
	crashPoint("create: config sent")
	// While the init decodes its config: the hooks that delete must run
	// are known from here on, before any of them has run.
	if err = c.saveConfig(); err != nil {
		return nil, nil, fmt.Errorf("record container %q: %w", o.ID, err)
	}
	crashPoint("create: config saved")
	// Otherwise the cgroup is made and limited while the init decodes its
	// config, and the init moves in when it asks.
	if !intoCgroup {
		if err = makeCgroup(c, cg, spec); err != nil {
			return nil, nil, err
		}
		crashPoint("create: cgroup made")
	}

	_, _, err = ch.conn.Expect(initproc.MsgCgroup)
	if err != nil {
		return nil, nil, ch.failure(err)
	}
	slog.Debug("child process in init(): config received, moving it into its cgroup")
	// The init is inside its namespaces now.
	if err = checkJoinedMappings(spec, pid); err != nil {
		return nil, nil, err
	}
	// Into the cgroup before the init builds anything, so all the
	// container does from here on is accounted and limited.
	if !intoCgroup {
		if err = cg.Apply(pid); err != nil {
			return nil, nil, err
		}
		crashPoint("create: init in cgroup")
	}
	// That was the last migration: stop paying for keeping them cheap.
	cgroups.StopWarm()
	if err = setOOMScoreAdj(pid, spec.Process.OOMScoreAdj); err != nil {
		return nil, nil, err
	}
	if spec.Linux != nil {
		if err = moveNetDevices(spec.Linux.NetDevices, pid); err != nil {
			return nil, nil, err
		}
	}

	if err = ch.conn.Send(initproc.Message{Type: initproc.MsgOK}); err != nil {
		return nil, nil, err
	}
	if err = c.waitCreated(ch); err != nil {
		return nil, nil, err
	}
	crashPoint("create: init ready")

	c.state.Status = Created
	if err = c.saveStatus(); err != nil {
		return nil, nil, err
	}
	crashPoint("create: created recorded")
	// Recorded with its pid: now the init may outlive us. It drops its
	// parent-death signal and closes the socket; the EOF says it has.
	if err = ch.conn.Send(initproc.Message{Type: initproc.MsgOK}); err != nil {
		return nil, nil, err
	}
	if _, _, err = ch.conn.Recv(); err != initproc.ErrClosed {
		if err == nil {
			err = errors.New("sync: unexpected message from init")
		}
		return nil, nil, err
	}
	ch.conn.Close()
	crashPoint("create: init released")
	if pidfdSock != nil {
		if err = sendPidfd(pidfdSock, pid, "standard"); err != nil {
			return nil, nil, err
		}
	}
	if o.PidFile != "" {
		if err = writePidFile(o.PidFile, pid); err != nil {
			return nil, nil, err
		}
	}
	return c, ch, nil
}

// waitCreated serves the init's requests until it reports ready.
func (c *Container) waitCreated(ch *child) error {
	var mfds *mountFds
	defer mfds.close()
	for {
		m, _, err := ch.conn.Recv()
		if err != nil {
			return ch.failure(err)
		}
		switch m.Type {
		case initproc.MsgHooks:
			h := c.state.Spec.Hooks
			st := c.specState(Creating)
			err := hooks.Run("prestart", h.Prestart, st) //nolint:staticcheck // deprecated but honoured
			if err == nil {
				err = hooks.Run("createRuntime", h.CreateRuntime, st)
			}
			if err != nil {
				ch.conn.Send(initproc.Message{Type: initproc.MsgError, Msg: err.Error()})
				return err
			}
			if err := ch.conn.Send(initproc.Message{Type: initproc.MsgOK}); err != nil {
				return err
			}
		case initproc.MsgMountFd:
			if mfds == nil {
				mfds = &mountFds{spec: c.state.Spec, bundle: c.state.Bundle, pid: c.state.Pid}
			}
			if err := mfds.serve(ch.conn, m); err != nil {
				return err
			}
		case initproc.MsgReady:
			slog.Debug("init: closing the pipe to signal completion: created, waiting for start")
			return nil
		default:
			return fmt.Errorf("sync: unexpected %q message from init", m.Type)
		}
	}
}

// createContainerHookEnv is this command's environment when a
// createContainer hook lacks one of its own: the init runs those hooks,
// and they get the runtime's environment, as with crun (runc 1.1 gave them
// the process's, later runc an empty one).
func createContainerHookEnv(spec *specs.Spec) []string {
	if spec.Hooks == nil {
		return nil
	}
	for _, h := range spec.Hooks.CreateContainer {
		if len(h.Env) == 0 {
			return os.Environ()
		}
	}
	return nil
}

// hitMemoryLimit reports an OOM kill (v2) or a charge that failed against
// the limit (v1 memory.failcnt) in the container's cgroup.
func hitMemoryLimit(cg cgroups.Manager) bool {
	st, err := cg.Stats()
	return err == nil && (st.Memory.EventCount.OOMKill > 0 || st.Memory.Usage.Failcnt > 0)
}

func setOOMScoreAdj(pid int, adj *int) error {
	if adj == nil {
		return nil
	}
	p := "/proc/" + strconv.Itoa(pid) + "/oom_score_adj"
	if err := os.WriteFile(p, []byte(strconv.Itoa(*adj)), 0); err != nil {
		return fmt.Errorf("set process.oomScoreAdj %d: %w", *adj, err)
	}
	return nil
}

func writePidFile(path string, pid int) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	return writeFileAtomic(abs, []byte(strconv.Itoa(pid)), 0o644)
}

// listenStart binds the start socket. The path can be longer than a
// sockaddr allows, so bind through the directory's /proc/self/fd entry.
func listenStart(dir string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("start socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "start-listener")
	addr, closeDir, err := sockAddr(dir, startSock)
	if err != nil {
		f.Close()
		return nil, err
	}
	defer closeDir()
	if err := unix.Bind(fd, addr); err != nil {
		f.Close()
		return nil, fmt.Errorf("bind start socket: %w", err)
	}
	if err := unix.Listen(fd, 1); err != nil {
		f.Close()
		return nil, fmt.Errorf("listen on start socket: %w", err)
	}
	return f, nil
}

func sockAddr(dir, name string) (*unix.SockaddrUnix, func(), error) {
	p := filepath.Join(dir, name)
	if len(p) < 100 {
		return &unix.SockaddrUnix{Name: p}, func() {}, nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	return &unix.SockaddrUnix{Name: "/proc/self/fd/" + strconv.Itoa(int(d.Fd())) + "/" + name}, func() { d.Close() }, nil
}

func dialConsole(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("connect to console socket %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), "console-socket"), nil
}

// makeCgroup creates the container's cgroup and writes its limits.
func makeCgroup(c *Container, cg cgroups.Manager, spec *specs.Spec) error {
	if err := cg.Apply(0); err != nil {
		return err
	}
	c.state.CgroupPaths = cg.Paths()
	if spec.Linux != nil && spec.Linux.Resources != nil {
		return cg.Set(spec.Linux.Resources)
	}
	return nil
}

// roomForInit tells whether the container's limits leave ample room for
// rt's init (a Go runtime: a few MiB and a handful of threads) to be
// charged to it while it sets the container up.
func roomForInit(spec *specs.Spec) bool {
	if spec.Linux == nil || spec.Linux.Resources == nil {
		return true
	}
	r := spec.Linux.Resources
	if m := r.Memory; m != nil && m.Limit != nil && *m.Limit > 0 && *m.Limit < 64<<20 {
		return false
	}
	if p := r.Pids; p != nil && p.Limit != nil && *p.Limit >= 0 && *p.Limit < 64 { // 0 is 1
		return false
	}
	return true
}
