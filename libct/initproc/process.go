package initproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/caps"
	"github.com/rt-runtime/rt/libct/procfs"
	"github.com/rt-runtime/rt/libct/rlimit"
	"github.com/rt-runtime/rt/libct/seccomp"
	"github.com/rt-runtime/rt/libct/user"
)

// finishAndExec turns this process into the user's process: it is the
// shared tail of a container's init (after start) and of an exec. conn is
// where a late error goes; it closes on a successful execve.
func finishAndExec(cfg *Config, conn *Conn) error {
	p := cfg.Process
	// Before the rlimits: a low RLIMIT_NOFILE must not stop rt from
	// reading /etc/passwd (the Go runtime even dies when it cannot make
	// its poller's fds).
	env := processEnv(cfg, p)
	if err := setPersonality(cfg.Personality); err != nil {
		return err
	}
	if err := setSchedulingAndIO(p); err != nil {
		return err
	}
	if err := setLabels(p); err != nil {
		return err
	}
	if p.User.Umask != nil {
		unix.Umask(int(*p.User.Umask))
	}
	if err := chdir(p.Cwd); err != nil {
		return err
	}
	// Before any seccomp filter, which may forbid setrlimit.
	if err := setRlimits(p.Rlimits); err != nil {
		return err
	}

	var prog *seccomp.Program
	if len(cfg.Seccomp) > 0 {
		var err error
		if prog, err = seccomp.FromBytes(cfg.Seccomp); err != nil {
			return fmt.Errorf("seccomp: %w", err)
		}
	}
	// Without no_new_privs the kernel wants CAP_SYS_ADMIN to load a filter,
	// so it goes in before the capabilities are dropped.
	if prog != nil && !p.NoNewPrivileges {
		if err := loadSeccomp(prog, conn); err != nil {
			return err
		}
	}

	if err := setUser(cfg, p); err != nil {
		return err
	}
	if p.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("set no_new_privs: %w", err)
		}
	}
	argv0, err := lookPath(p.Args[0], env)
	if err != nil {
		return err
	}
	if a := p.ExecCPUAffinity; a != nil {
		if err := setCPUAffinity("final", a.Final); err != nil {
			return err
		}
	}
	// As late as possible, so rt's own setup is never filtered.
	if prog != nil && p.NoNewPrivileges {
		if err := loadSeccomp(prog, conn); err != nil {
			return err
		}
	}
	// Nothing of the runtime's may leak into the container: every fd above
	// stdio and the preserved ones goes at execve (CVE-2024-21626).
	if err := unix.CloseRange(uint(3+cfg.ExtraFds), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("mark fds close-on-exec: %w", err)
	}
	err = unix.Exec(argv0, p.Args, env)
	return fmt.Errorf("exec %q: %w", p.Args[0], err)
}

func loadSeccomp(prog *seccomp.Program, conn *Conn) error {
	fd, err := prog.Load()
	if err != nil {
		return fmt.Errorf("load seccomp filter: %w", err)
	}
	if fd < 0 {
		return nil
	}
	// The parent forwards the listener to the agent named in the config.
	if err := conn.Send(Message{Type: MsgSeccomp}, fd); err != nil {
		return err
	}
	unix.Close(fd)
	if _, _, err := conn.Expect(MsgOK); err != nil {
		return fmt.Errorf("hand seccomp listener to agent: %w", err)
	}
	return nil
}

func setRlimits(rls []specs.POSIXRlimit) error {
	for _, rl := range rls {
		res, err := rlimit.Parse(rl.Type)
		if err != nil {
			return err
		}
		lim := unix.Rlimit{Cur: rl.Soft, Max: rl.Hard}
		if err := unix.Prlimit(0, res, &lim, nil); err != nil {
			return fmt.Errorf("set rlimit %s (soft %d, hard %d): %w", rl.Type, rl.Soft, rl.Hard, err)
		}
	}
	return nil
}

func setLabels(p *specs.Process) error {
	if p.ApparmorProfile != "" {
		h, err := procfs.Open("/proc")
		if err != nil {
			return fmt.Errorf("apparmor: %w", err)
		}
		defer h.Close()
		// The newer per-LSM path first; the legacy one on older kernels.
		data := []byte("exec " + p.ApparmorProfile)
		if err := h.WriteFile("thread-self/attr/apparmor/exec", data); err != nil {
			if err2 := h.WriteFile("thread-self/attr/exec", data); err2 != nil {
				return fmt.Errorf("apply apparmor profile %q: %w", p.ApparmorProfile, err)
			}
		}
	}
	if p.SelinuxLabel != "" {
		if !selinux.GetEnabled() {
			return nil // SELinux off: labels have no meaning, as runc does
		}
		if err := selinux.SetExecLabel(p.SelinuxLabel); err != nil {
			return fmt.Errorf("set selinux exec label %q: %w", p.SelinuxLabel, err)
		}
	}
	return nil
}

// chdir enters cwd and checks that it really is inside the container's
// root: a leaked host directory fd must never become the cwd (CVE-2024-21626).
func chdir(cwd string) error {
	if cwd == "" {
		cwd = "/"
	}
	if err := unix.Chdir(cwd); err != nil {
		return fmt.Errorf("chdir to cwd %q: %w", cwd, err)
	}
	wd, err := unix.Getwd()
	if errors.Is(err, unix.ENOENT) {
		// What x/sys makes of the kernel's "(unreachable)/..." answer.
		return fmt.Errorf("cwd %q is outside the container root", cwd)
	}
	if err != nil {
		return fmt.Errorf("getcwd after chdir to %q: %w", cwd, err)
	}
	if !strings.HasPrefix(wd, "/") {
		return fmt.Errorf("cwd %q is outside the container root", cwd)
	}
	return nil
}

func setUser(cfg *Config, p *specs.Process) error {
	var c *caps.Set
	if p.Capabilities != nil {
		var err error
		if c, err = caps.New(p.Capabilities); err != nil {
			return err
		}
		if err := c.DropBounding(); err != nil {
			return fmt.Errorf("drop bounding capabilities: %w", err)
		}
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set keepcaps: %w", err)
	}
	u := p.User
	gids := make([]int, 0, len(u.AdditionalGids))
	for _, g := range u.AdditionalGids {
		gids = append(gids, int(g))
	}
	if err := unix.Setgroups(gids); err != nil {
		// A user namespace whose setgroups is denied cannot have any.
		if !(cfg.UserNS && len(gids) == 0) {
			return fmt.Errorf("setgroups %v: %w", gids, err)
		}
	}
	if err := chownStdio(int(u.UID)); err != nil {
		return err
	}
	// x/sys/unix changes only this thread's credentials; that is enough
	// because this thread is the one that execs and the others die with it.
	if err := unix.Setresgid(int(u.GID), int(u.GID), int(u.GID)); err != nil {
		return fmt.Errorf("setgid %d: %w", u.GID, err)
	}
	if err := unix.Setresuid(int(u.UID), int(u.UID), int(u.UID)); err != nil {
		return fmt.Errorf("setuid %d: %w", u.UID, err)
	}
	if c != nil {
		if err := c.Apply(); err != nil {
			return fmt.Errorf("apply capabilities: %w", err)
		}
	}
	return nil
}

func processEnv(cfg *Config, p *specs.Process) []string {
	env := append([]string(nil), p.Env...)
	hasHome, hasPath := false, false
	for _, kv := range env {
		hasHome = hasHome || strings.HasPrefix(kv, "HOME=")
		hasPath = hasPath || strings.HasPrefix(kv, "PATH=")
	}
	if !hasHome {
		home, err := user.HomeDir("/etc/passwd", p.User.UID)
		if err != nil || home == "" {
			home = "/"
		}
		env = append(env, "HOME="+home)
	}
	if !hasPath {
		env = append(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	if cfg.ListenFds > 0 {
		env = append(env, "LISTEN_FDS="+strconv.Itoa(cfg.ListenFds), "LISTEN_PID="+strconv.Itoa(os.Getpid()))
	}
	return env
}

// lookPath resolves argv[0] with the container's PATH, not rt's.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if err := unix.Access(name, unix.X_OK); err != nil {
			return "", fmt.Errorf("exec %q: %w", name, err)
		}
		return name, nil
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		cand := filepath.Join(dir, name)
		var st unix.Stat_t
		if unix.Stat(cand, &st) == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR && unix.Access(cand, unix.X_OK) == nil {
			return cand, nil
		}
	}
	return "", fmt.Errorf("exec %q: executable file not found in $PATH", name)
}
