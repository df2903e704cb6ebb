package initproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/console"
	"github.com/rt-runtime/rt/libct/hooks"
	"github.com/rt-runtime/rt/libct/procfs"
	"github.com/rt-runtime/rt/libct/rlimit"
	"github.com/rt-runtime/rt/libct/rootfs"
	"github.com/rt-runtime/rt/libct/specconv"
	"github.com/rt-runtime/rt/libct/validate"
)

// createContainer builds the container around this process, reports ready
// and waits for `rt start`.
func createContainer(cfg *Config, conn *Conn) error {
	spec := cfg.Container.Spec()
	// Only now into the cgroup (unless it was born there): what the Go
	// runtime touched to start up and to decode the config stays charged
	// to rt, not to the container.
	if err := conn.Send(Message{Type: MsgCgroup}); err != nil {
		return err
	}
	if _, _, err := conn.Expect(MsgOK); err != nil {
		return err
	}
	if err := loopbackUp(spec); err != nil {
		return err
	}
	if cfg.NewCgroupNS {
		if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
			return fmt.Errorf("unshare cgroup namespace: %w", err)
		}
	}
	if spec.Hostname != "" {
		if err := unix.Sethostname([]byte(spec.Hostname)); err != nil {
			return fmt.Errorf("set hostname %q: %w", spec.Hostname, err)
		}
	}
	if spec.Domainname != "" {
		if err := unix.Setdomainname([]byte(spec.Domainname)); err != nil {
			return fmt.Errorf("set domainname %q: %w", spec.Domainname, err)
		}
	}
	opts := rootfs.Options{
		NoPivot:     cfg.NoPivot,
		UserNS:      cfg.UserNS,
		CgroupPaths: cfg.CgroupPaths,
		CgroupNS:    cfg.NewCgroupNS || specconv.HasNamespace(spec, specs.CgroupNamespace),
		CgroupV2:    cfg.CgroupV2,
		MountFd:     mountFdFromParent(conn),
	}
	if spec.Linux != nil && spec.Linux.MountLabel != "" && !selinux.GetEnabled() {
		// SELinux off: the label means nothing, and a context= option
		// would make every tmpfs mount fail with EINVAL (runc ignores it).
		spec.Linux.MountLabel = ""
	}
	if spec.Linux != nil {
		opts.MountLabel = spec.Linux.MountLabel
	}
	// Without a mount namespace the mounts land in the caller's namespace,
	// as with runc: that is what such a config asks for.
	ownMountNS := specconv.HasNamespace(spec, specs.MountNamespace)
	// A relative bind source is relative to the bundle (runtime-spec), not
	// to wherever rt was run from. Best effort: a bundle the init cannot
	// enter (user namespace) only matters if such a source is used, and
	// that mount then fails naming it.
	_ = unix.Chdir(cfg.Bundle)
	pending, err := rootfs.Prepare(spec, cfg.Rootfs, opts)
	if err != nil {
		return err
	}
	if spec.Hooks != nil && (len(spec.Hooks.Prestart) > 0 || len(spec.Hooks.CreateRuntime) > 0) { //nolint:staticcheck // prestart is deprecated, still honoured
		if err := conn.Send(Message{Type: MsgHooks}); err != nil {
			return err
		}
		if _, _, err := conn.Expect(MsgOK); err != nil {
			return err
		}
	}
	if spec.Hooks != nil && len(spec.Hooks.CreateContainer) > 0 {
		// In the rootfs, as runc runs them: hooks written for runc use
		// paths relative to it.
		if err := unix.Chdir(cfg.Rootfs); err != nil {
			return fmt.Errorf("chdir to rootfs %s: %w", cfg.Rootfs, err)
		}
		if err := hooks.Run("createContainer", withEnv(spec.Hooks.CreateContainer, cfg.HookEnv), cfg.State); err != nil {
			return err
		}
	}
	var tty *os.File
	if ownMountNS {
		if err := rootfs.Enter(cfg.Rootfs, opts); err != nil {
			return err
		}
	} else if err := unix.Chroot(cfg.Rootfs); err != nil {
		// Without a mount namespace there is nothing to pivot; chroot
		// is what keeps the process inside its root.
		return fmt.Errorf("chroot %s: %w", cfg.Rootfs, err)
	} else if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	if err := rootfs.MakeCwd(cfg.Process.Cwd); err != nil {
		return err
	}
	if cfg.Process.Terminal {
		var err error
		if tty, err = sendConsole(cfg); err != nil {
			return err
		}
	}
	// Before Finish: readonlyPaths puts a mount over /proc/sys, and the
	// procfs handle refuses to cross mounts.
	if err := applySysctl(spec); err != nil {
		return err
	}
	if err := rootfs.Finish(spec, tty, pending); err != nil {
		return err
	}
	if tty != nil {
		// Before ready, not at start: like runc's, a created container
		// already has its terminal as stdio (the caller's stdio was
		// never given to it).
		if err := attachTerminal(tty); err != nil {
			return err
		}
	}
	if !cfg.NoNewKeyring {
		if err := joinKeyring(cfg.ID, keyLabel(cfg)); err != nil {
			return err
		}
	}
	if err := checkProcess(cfg); err != nil {
		return err
	}
	if err := conn.Send(Message{Type: MsgReady}); err != nil {
		return err
	}
	// The parent records the container, then lets us outlive it.
	if _, _, err := conn.Expect(MsgOK); err != nil {
		return err
	}
	if err := surviveParent(); err != nil {
		return err
	}
	conn.Close()
	return waitStart(cfg)
}

// waitStart blocks until `rt start` connects to the start socket, then
// runs the startContainer hooks and execs. Errors from here on go to the
// start command, which is the one waiting for them.
func waitStart(cfg *Config) error {
	lfd := cfg.StartFd
	nfd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
	for errors.Is(err, unix.EINTR) {
		nfd, _, err = unix.Accept4(lfd, unix.SOCK_CLOEXEC)
	}
	if err != nil {
		return fmt.Errorf("wait for start: %w", err)
	}
	unix.Close(lfd)
	sc := NewConn(os.NewFile(uintptr(nfd), "start"))
	if _, _, err := sc.Expect(MsgStart); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	err = finishAndExec(cfg, sc)
	_ = sc.Send(Message{Type: MsgError, Msg: err.Error()})
	os.Exit(1)
	return nil
}

// checkProcess fails create, as runc does, for what would only make start
// fail later: rlimits the process cannot have, a missing cwd, an
// executable not found.
func checkProcess(cfg *Config) error {
	p := cfg.Process
	if err := checkRlimits(p.Rlimits); err != nil {
		return err
	}
	cwd := p.Cwd
	if cwd == "" {
		cwd = "/"
	}
	var st unix.Stat_t
	if err := unix.Stat(cwd, &st); err != nil {
		return fmt.Errorf("process.cwd %q: %w", cwd, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("process.cwd %q: %w", cwd, unix.ENOTDIR)
	}
	// A relative path with a slash is resolved in cwd, where the exec runs.
	name := p.Args[0]
	if strings.Contains(name, "/") && !filepath.IsAbs(name) {
		name = filepath.Join(cwd, name)
	}
	_, err := lookPath(name, processEnv(cfg, p))
	return err
}

// checkRlimits finds the rlimits setrlimit will refuse without setting any:
// the init itself must keep working (a tiny RLIMIT_NOFILE kills the Go
// runtime), so they are only applied right before the exec.
func checkRlimits(rls []specs.POSIXRlimit) error {
	canRaise := hasCap(unix.CAP_SYS_RESOURCE)
	for _, rl := range rls {
		res, err := rlimit.Parse(rl.Type)
		if err != nil {
			return err
		}
		var cur unix.Rlimit
		if err := unix.Prlimit(0, res, nil, &cur); err != nil {
			return fmt.Errorf("get rlimit %s: %w", rl.Type, err)
		}
		var errno error
		switch {
		case rl.Soft > rl.Hard:
			errno = unix.EINVAL
		case rl.Hard > cur.Max && !canRaise:
			errno = unix.EPERM
		}
		if errno != nil {
			return fmt.Errorf("set rlimit %s (soft %d, hard %d): %w", rl.Type, rl.Soft, rl.Hard, errno)
		}
	}
	return nil
}

// hasCap reports whether capability c is in this thread's effective set.
func hasCap(c int) bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[c/32].Effective&(1<<uint(c%32)) != 0
}

// sendConsole makes the container's pty (through its own devpts, so the
// slave is a device the container knows) and hands the master out.
func sendConsole(cfg *Config) (*os.File, error) {
	if cfg.ConsoleFd < 0 {
		return nil, errors.New("process.terminal is set but no console socket was given")
	}
	sock := os.NewFile(uintptr(cfg.ConsoleFd), "console-socket")
	defer sock.Close()
	master, slave, err := console.NewPty()
	if err != nil {
		return nil, err
	}
	defer master.Close()
	// process.consoleSize is the size the terminal starts with, before the
	// console socket's owner resizes it.
	if sz := cfg.Process.ConsoleSize; sz != nil && sz.Height > 0 && sz.Width > 0 {
		ws := &unix.Winsize{Row: uint16(sz.Height), Col: uint16(sz.Width)}
		if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, ws); err != nil {
			slave.Close()
			return nil, fmt.Errorf("set console size %dx%d: %w", sz.Width, sz.Height, err)
		}
	}
	if err := console.Send(sock, master); err != nil {
		slave.Close()
		return nil, err
	}
	return slave, nil
}

// attachTerminal makes the pty slave this process's controlling terminal
// and its stdio, as a session leader, and closes the original slave fd.
func attachTerminal(tty *os.File) error {
	defer tty.Close()
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w", err)
	}
	if err := unix.IoctlSetInt(int(tty.Fd()), unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("set controlling terminal: %w", err)
	}
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup3(int(tty.Fd()), fd, 0); err != nil {
			return fmt.Errorf("dup terminal to fd %d: %w", fd, err)
		}
	}
	return nil
}

func applySysctl(spec *specs.Spec) error {
	if spec.Linux == nil || len(spec.Linux.Sysctl) == 0 {
		return nil
	}
	h, err := procfs.Open("/proc")
	if err != nil {
		return fmt.Errorf("sysctl: %w", err)
	}
	defer h.Close()
	for k, v := range spec.Linux.Sysctl {
		rel, err := validate.SysctlPath(k)
		if err != nil {
			return err
		}
		if err := h.WriteFile(rel, []byte(v)); err != nil {
			return fmt.Errorf("sysctl %s=%s: %w", k, v, err)
		}
	}
	return nil
}

// keyLabel is the label of the session keyring the process joins: its
// own, where SELinux is on.
func keyLabel(cfg *Config) string {
	if !cfg.SELinux {
		return ""
	}
	return cfg.Process.SelinuxLabel
}

// joinKeyring gives the container a session keyring of its own so it cannot
// read the host's keys. Under SELinux the keyring carries the process's
// label, as runc's does: keycreate labels the keys this thread makes next,
// and is cleared once it has.
func joinKeyring(id, label string) error {
	if label != "" {
		if err := selinux.SetKeyLabel(label); err != nil {
			return fmt.Errorf("set session keyring label %q: %w", label, err)
		}
		defer selinux.SetKeyLabel("")
	}
	ring, err := unix.KeyctlJoinSessionKeyring("_ses." + id)
	if err != nil {
		if errors.Is(err, unix.ENOSYS) {
			return nil
		}
		return fmt.Errorf("join session keyring: %w", err)
	}
	// possessor: all; user: view, read, write, search, link, setattr.
	if err := unix.KeyctlSetperm(ring, 0x3f3f0000); err != nil {
		return fmt.Errorf("set session keyring permissions: %w", err)
	}
	return nil
}
