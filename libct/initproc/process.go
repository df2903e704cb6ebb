package initproc

import (
	"errors"
	"fmt"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/caps"
	"github.com/rt-runtime/rt/libct/procfs"
	"github.com/rt-runtime/rt/libct/rlimit"
	"github.com/rt-runtime/rt/libct/seccomp"
)

// finishAndExec turns this process into the user's process: it is the
// shared tail of a container's init (after start) and of an exec. conn is
// where a late error goes; it closes on a successful execve.
func finishAndExec(cfg *Config, conn *Conn) error {
	p := cfg.Process
	// A session of its own, terminal or not, as with runc: CRIU checkpoints
	// only a process tree that holds the session leaders of its processes.
	// With a terminal, attachTerminal has made one already.
	if !p.Terminal {
		if _, err := unix.Setsid(); err != nil {
			return fmt.Errorf("setsid: %w", err)
		}
	}
	// Before the rlimits: a low RLIMIT_NOFILE must not stop rt from
	// reading /etc/passwd (the Go runtime even dies when it cannot make
	// its poller's fds).
	env := processEnv(cfg, p)
	if err := setPersonality(cfg.Personality); err != nil {
		return err
	}
	if err := setMemoryPolicy(cfg.MemoryPolicy); err != nil {
		return err
	}
	// Before the scheduler: SCHED_DEADLINE needs an affinity that spans
	// the CPUs, and must not be refused for an affinity inherited from the
	// caller. The process is in its cgroup by now.
	if err := setFinalCPUAffinity(p.ExecCPUAffinity); err != nil {
		return err
	}
	if err := setSchedulingAndIO(p); err != nil {
		return err
	}
	if err := setLabels(p, cfg.SELinux); err != nil {
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
	// Nothing of the runtime's may leak into the container or a
	// startContainer hook: every fd above stdio and the preserved ones goes
	// at execve (CVE-2024-21626). Before any filter, which may deny
	// close_range; rt opens nothing it means to pass on from here.
	if err := markCloseOnExec(3 + cfg.ExtraFds); err != nil {
		return err
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
	// As late as possible, so rt's own setup is never filtered.
	if prog != nil && p.NoNewPrivileges {
		if err := loadSeccomp(prog, conn); err != nil {
			return err
		}
	}
	// Last, under the filter and the process's credentials, as runc runs them.
	if err := runStartHooks(cfg, env); err != nil {
		return err
	}
	for {
		err = unix.Exec(argv0, p.Args, env)
		if err != unix.EINTR {
			break
		}
	}
	execFailed(argv0, err)
	return nil
}

// execFailed reports a failed execve as runc does: the process is set up
// and, as far as the runtime is concerned, started, so the failure is the
// process's own: one line on its stderr (where engines and users look for
// "exec /entrypoint.sh: exec format error") and exit status 255. Nothing
// goes to the runtime: the sync socket just closes.
func execFailed(path string, err error) {
	fmt.Fprintf(os.Stderr, "exec %s: %v\n", QuoteIfOdd(path), err)
	os.Exit(255)
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

func setLabels(p *specs.Process, selinuxOn bool) error {
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
		if !selinuxOn {
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
