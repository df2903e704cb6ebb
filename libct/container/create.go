package container

import (
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
	"github.com/rt-runtime/rt/libct/child"
	"github.com/rt-runtime/rt/libct/idmap"
	"github.com/rt-runtime/rt/libct/kfile"
	"github.com/rt-runtime/rt/libct/rootfs"
	"github.com/rt-runtime/rt/libct/specconv"
	"github.com/rt-runtime/rt/libct/specjson"
	"github.com/rt-runtime/rt/libct/userns"
	"github.com/rt-runtime/rt/libct/validate"
)

// CreateOpts are the create command's inputs.
type CreateOpts struct {
	Root   string
	ID     string
	Bundle string
	Args   []string // replaces process.args when set (rt run DIR -- CMD)
	// Spec, when set, is the bundle's config.json as the caller already
	// read it (run does, to see whether it needs a terminal), and
	// SpecJSON its bytes.
	Spec          *specs.Spec
	SpecJSON      []byte
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

// LoadSpec reads bundle/config.json; it returns the config and its
// bytes.
func LoadSpec(bundle string) (*specs.Spec, []byte, error) {
	b, err := kfile.Read(filepath.Join(bundle, "config.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("config.json: %w", err)
	}
	var s specs.Spec
	if err := specjson.Spec(b, &s); err != nil {
		return nil, nil, fmt.Errorf("config.json: %w", err)
	}
	return &s, b, nil
}

// loadBundle is what Create and BeginRestore (verb) check before they
// claim anything: the bundle's absolute path and its config, validated,
// with o.Args in place of process.args when given, and the config's
// bytes as stored (nil when o.Args changed it).
func loadBundle(o CreateOpts, verb string) (string, *specs.Spec, []byte, error) {
	bundle, err := filepath.Abs(o.Bundle)
	if err != nil {
		return "", nil, nil, err
	}
	spec, raw := o.Spec, o.SpecJSON
	if spec == nil {
		if spec, raw, err = LoadSpec(bundle); err != nil {
			return "", nil, nil, err
		}
	}
	if len(o.Args) > 0 && spec.Process != nil {
		spec.Process.Args = o.Args
		raw = nil
	}
	if err := validate.Spec(spec, bundle); err != nil {
		return "", nil, nil, err
	}
	if spec.Process == nil {
		return "", nil, nil, fmt.Errorf("config.json: process is required to %s a container", verb)
	}
	return bundle, spec, raw, nil
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
		return "", fmt.Errorf("create root: %w", err) // names the mkdir and the path
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
// The init is a clone of this process that runs the config compiled into
// a libct/child program, and asks for what needs rt itself.
func Create(o CreateOpts) (_ *Container, _ *child.Child, err error) {
	if err := validate.ID(o.ID); err != nil {
		return nil, nil, err
	}
	bundle, spec, raw, err := loadBundle(o, "create")
	if err != nil {
		return nil, nil, err
	}
	if err := userns.CheckRootlessGroups(spec.Process); err != nil {
		return nil, nil, err
	}
	rootPath, err := resolveRootfs(spec, bundle)
	if err != nil {
		return nil, nil, err
	}
	cr := &creation{o: o, spec: spec}
	defer func() {
		if err != nil {
			err = cr.undo(err)
		}
	}()
	if err = cr.claim(bundle, rootPath); err != nil {
		return nil, nil, err
	}
	cr.c.state.specJSON = raw
	if cr.io, err = openChildIO(spec.Process, o.Console, o.ConsoleSocket, o.PidfdSocket, linuxSeccomp(spec), o.CacheDir); err != nil {
		return nil, nil, err
	}
	defer cr.io.close()
	if err = cr.startInit(); err != nil {
		return nil, nil, err
	}
	if err = cr.setUp(); err != nil {
		return nil, nil, err
	}
	if err = cr.recordCreated(); err != nil {
		return nil, nil, err
	}
	cr.c.init = cr.ch
	return cr.c, cr.ch, nil
}

// creation is a Create under way, what its phases share.
type creation struct {
	o    CreateOpts
	spec *specs.Spec
	c    *Container
	cg   cgroups.Manager // set once the cgroup is ours to remove
	io   *childIO
	ch   *child.Child
	// intoCgroup: the init is born in its cgroup (CLONE_INTO_CGROUP).
	intoCgroup bool
	mounts     *idmap.Server
}

// claim makes the container exist: the state directory, locked, with
// state.json naming its cgroup before anything else is made.
func (cr *creation) claim(bundle, rootPath string) error {
	o, spec := cr.o, cr.spec
	// The root exists once a create got this far, even one the cgroup
	// driver then refuses: `list` of it answers, as after runc.
	if err := os.MkdirAll(o.Root, 0o700); err != nil {
		return fmt.Errorf("create root: %w", err) // names the mkdir and the path
	}
	// What the host lacks (as `rt check` says it), before anything is
	// made. The cgroup is resolved (not made) there, before the
	// container's directory exists, so that its first record names it.
	cgm, err := checkHost(o, bundle, rootPath, spec)
	if err != nil {
		return err
	}
	dir, err := makeStateDir(o.Root, o.ID)
	if err != nil {
		return err
	}
	crashPoint("create: state dir made")
	cr.c = &Container{root: o.Root, dir: dir}
	if cr.c.lock, err = lockDir(dir); err != nil {
		os.RemoveAll(dir)
		cr.c = nil
		return err
	}
	crashPoint("create: locked")
	// A cgroup that is someone else's (it has processes, or is frozen) is
	// refused while cg is still nil, so the cleanup leaves it alone.
	if err := cgroups.CheckUnused(cgm); err != nil {
		return err
	}
	owner := ""
	if u, uerr := user.Current(); uerr == nil {
		owner = u.Username
	}
	cr.cg = cgm
	cr.c.state = &State{
		OCIVersion: spec.Version, ID: o.ID, Status: Creating, Bundle: bundle,
		Rootfs: rootPath, Created: time.Now().UTC(), Owner: owner,
		Annotations: spec.Annotations, Spec: spec, CgroupPaths: cgm.Paths(),
		NoNewKeyring: o.NoNewKeyring, NoHooks: noHooks(spec.Hooks),
	}
	// The record comes before everything it names: whenever this process
	// dies from here on, delete finds the cgroup (and, in config.json once
	// written, the poststop hooks) and removes them with this directory.
	// No process needs recording: until the init is released, it dies
	// with us (parent-death signal, and EOF on its sync socket).
	if err := cr.c.saveStatus(); err != nil {
		return fmt.Errorf("record container %q: %w", o.ID, err)
	}
	crashPoint("create: recorded")
	return nil
}

// startInit compiles the init and clones it. On cgroup v2, when the
// limits leave ample room, it is born in its cgroup (clone3 with
// CLONE_INTO_CGROUP): no migration, so no migration wait; not with
// systemd, whose scope only exists once it is given a pid. Otherwise the
// cgroup is made and limited while the init joins its namespaces, and it
// moves in when it asks.
func (cr *creation) startInit() error {
	o, spec, c := cr.o, cr.spec, cr.c
	startL, err := listenStart(c.dir)
	if err != nil {
		return err
	}
	defer startL.Close()
	cfg := &child.Config{
		Mode: child.Create, ID: o.ID, Bundle: c.state.Bundle, Rootfs: c.state.Rootfs,
		Spec: spec, Process: spec.Process, NoPivot: o.NoPivot, NoNewKeyring: o.NoNewKeyring,
		ListenFDs: o.ListenFDs, PreserveFDs: o.PreserveFDs, ThreadPidNS: -1,
		UserNS:  specconv.HasNamespace(spec, specs.UserNamespace),
		Seccomp: cr.io.seccomp, Stdio: o.Stdio, Console: cr.io.console, StartListener: startL,
		CgroupV2: cgroups.IsV2(), CopyMemory: lowMemoryLimit(spec),
	}
	if l := spec.Linux; l != nil {
		cfg.Personality, cfg.MemoryPolicy = l.Personality, l.MemoryPolicy
	}
	cr.intoCgroup = cgroups.IsV2() && roomForInit(spec) && !o.SystemdCgroup
	var cgroupDir *os.File
	made := false
	if cr.intoCgroup {
		if err := makeCgroup(c, cr.cg, spec); err != nil {
			return err
		}
		made = true
		crashPoint("create: cgroup made")
		// A rootless container may have no cgroup at all.
		if dir := c.state.CgroupPaths[""]; dir != "" {
			if cgroupDir, err = os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
				return fmt.Errorf("cgroup: %w", err) // names the open and the path
			}
			defer cgroupDir.Close()
		} else {
			cr.intoCgroup = false
		}
	}
	// A rootless container's cgroup is settled before its mounts are
	// compiled: one without (nothing delegated to the user) shows the
	// caller's own cgroups in its cgroup mount, as runc's does.
	if o.Rootless && !made {
		if err := makeCgroup(c, cr.cg, spec); err != nil {
			return err
		}
		made = true
		crashPoint("create: cgroup made")
	}
	cfg.CgroupPaths = cgroups.DirPaths(c.state.CgroupPaths)
	if len(cfg.CgroupPaths) == 0 && o.Rootless {
		cfg.CgroupPaths = cgroups.OwnPaths()
	}
	if !cfg.CgroupV2 && rootfs.HasCgroupMount(spec.Mounts) {
		cfg.CgroupMountNames = cgroups.V1MountNames()
	}
	prog, err := child.Compile(cfg)
	if err != nil {
		return err
	}
	restore, err := takeOOMScoreAdj(spec.Process.OOMScoreAdj)
	if err != nil {
		return err
	}
	// rt gets its own back once the init has exec'd: at start, when this
	// process runs it (rt run), else with this process.
	c.restoreOOM = restore
	if cr.ch, err = prog.Start(cgroupDir); err != nil {
		return fmt.Errorf("start container init: %w", err)
	}
	slog.Debug(runcLogChildStarted+": init started", "pid", cr.ch.Pid)
	crashPoint("create: init started")
	c.state.Pid = cr.ch.Pid
	if _, c.state.InitStartTime, err = procStat(cr.ch.Pid); err != nil {
		return fmt.Errorf("read init start time: %w", err)
	}
	// While the init joins its namespaces: the hooks that delete must run
	// are known from here on, before any of them has run.
	if err := c.saveConfig(); err != nil {
		return fmt.Errorf("record container %q: %w", o.ID, err)
	}
	crashPoint("create: config saved")
	if !made {
		if err := makeCgroup(c, cr.cg, spec); err != nil {
			return err
		}
		crashPoint("create: cgroup made")
	}
	return nil
}

// setUp answers the init while it builds the container, until it is
// ready (see create_handler.go).
func (cr *creation) setUp() error {
	defer cr.mounts.Close()
	if _, err := cr.ch.Conn.Serve(cr, child.KindReady); err != nil {
		return cr.failure(err)
	}
	slog.Debug(runcLogCreated + ": created, the init waits on its start socket")
	crashPoint("create: init ready")
	return nil
}

// recordCreated writes the created state; then the init may outlive us:
// it drops its parent-death signal and closes the sync socket, whose EOF
// says it has.
func (cr *creation) recordCreated() error {
	c, ch := cr.c, cr.ch
	c.state.Status = Created
	if err := c.saveStatus(); err != nil {
		return err
	}
	crashPoint("create: created recorded")
	if err := ch.Conn.Send(child.Msg{Kind: child.KindOK}); err != nil {
		return err
	}
	if err := ch.Conn.ExpectClosed(); err != nil {
		return err
	}
	ch.Conn.Close()
	ch.Release()
	crashPoint("create: init released")
	if err := cr.io.sendPidfd(ch.Pid, "standard"); err != nil {
		return err
	}
	if cr.o.PidFile != "" {
		return writePidFile(cr.o.PidFile, ch.Pid)
	}
	return nil
}

// undo removes what a failed create made and returns its error, made
// clearer where it can be.
func (cr *creation) undo(err error) error {
	if cr.ch != nil {
		cr.ch.Kill()
	}
	if cr.c != nil && cr.c.restoreOOM != nil {
		cr.c.restoreOOM()
	}
	if cr.cg != nil {
		// A limit too low to even set the container up shows as an
		// init SIGKILLed for no visible reason: name the cause.
		if errors.Is(err, child.ErrKilled) && hitMemoryLimit(cr.cg) {
			err = errors.New("container init was OOM-killed: linux.resources.memory.limit is too low")
		}
		if derr := cr.cg.Destroy(); derr != nil {
			slog.Warn("remove cgroup after failed create", "err", derr)
		}
	}
	if cr.c != nil {
		os.RemoveAll(cr.c.dir)
		cr.c.Unlock()
	}
	return err
}

func linuxSeccomp(spec *specs.Spec) *specs.LinuxSeccomp {
	if spec.Linux == nil {
		return nil
	}
	return spec.Linux.Seccomp
}

func writePidFile(path string, pid int) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	return writeFileAtomic(abs, []byte(strconv.Itoa(pid)), 0o644)
}

// listenStart binds the start socket, a datagram socket (see
// child.SendStart). The path can be longer than a sockaddr allows, so
// bind through the directory's /proc/self/fd entry.
func listenStart(dir string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("start socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "start-socket")
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

// hiddenKernelMounts is rootfs.HostKernelMounts, for a --no-pivot init.
func hiddenKernelMounts(pid int, root string) ([]string, error) {
	return rootfs.HostKernelMounts(pid, root)
}
