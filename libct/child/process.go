package child

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/caps"
	"github.com/rt-runtime/rt/libct/mempolicy"
	"github.com/rt-runtime/rt/libct/rlimit"
	"github.com/rt-runtime/rt/libct/userns"
)

// The user's process (run_process.go): what turns the child into it,
// shared by a container's init (at create, then after start) and an
// exec'd process.

// DefaultPath is where a name without a slash is looked up when the
// process's environment has no PATH, as execvp(3) does. It is not added
// to the environment: the process gets exactly what its config says.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Placeholders of processEnv for the entries only the child knows.
const (
	envHome      = "\x00HOME"
	envListenPid = "\x00LISTEN_PID"
)

// processEnv is the environment of the user's process, as runc makes it:
// process.env (and the LISTEN_* variables meant for it) with a later entry
// replacing an earlier one of the same name, and HOME from the container's
// /etc/passwd when it is unset or empty (envHome; envListenPid is the pid
// the process will have).
func processEnv(listenFDs int, p *specs.Process) []string {
	in := p.Env
	if listenFDs > 0 {
		in = append(append([]string(nil), in...), "LISTEN_FDS="+strconv.Itoa(listenFDs), envListenPid)
	}
	out := make([]string, 0, len(in)+1)
	seen := make(map[string]bool, len(in))
	hasHome := false
	// Backwards, so the last of each name is the one kept.
	for i := len(in) - 1; i >= 0; i-- {
		k, v, _ := strings.Cut(in[i], "=")
		if in[i] == envListenPid {
			k = "LISTEN_PID"
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		if k == "HOME" {
			if v == "" {
				continue
			}
			hasHome = true
		}
		out = append(out, in[i])
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	if !hasHome {
		out = append(out, envHome)
	}
	return out
}

// lookPath adds the check that argv[0] resolves, with the container's
// PATH, to something the process may execute; cwd, when set, is where a
// relative name with a slash is.
func (c *compiler) lookPath(env []string, cwd string) *step {
	p := c.p
	name := c.cfg.Process.Args[0]
	var cands []string
	slash := strings.Contains(name, "/")
	if slash {
		if cwd != "" && !filepath.IsAbs(name) {
			name = filepath.Join(cwd, name)
		}
		cands = []string{name}
	} else {
		path := DefaultPath
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, "PATH="); ok {
				path = v
			}
		}
		for _, dir := range filepath.SplitList(path) {
			if dir == "" {
				dir = "."
			}
			cands = append(cands, filepath.Join(dir, name))
		}
	}
	var s *step
	if slash {
		s = p.addOp(opLookPath, "exec "+QuoteIfOdd(name))
		s.n[0] = 1
	} else {
		s = p.addOp(opLookPath, fmt.Sprintf("exec %q: executable file not found in $PATH", name))
	}
	s.v = p.strs(cands)
	// The prefix of the trampoline's message when the execve fails.
	texts := make([]string, len(cands))
	for i, cand := range cands {
		texts[i] = "exec " + QuoteIfOdd(cand) + ": "
	}
	s.v2 = p.strs(texts)
	return s
}

// QuoteIfOdd leaves a plain path as it is, so that errors read as the
// kernel's and runc's ("exec /entrypoint.sh: exec format error", which
// users and engines know), and quotes one that could break a log line.
func QuoteIfOdd(s string) string {
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '\\' || r >= 0x7f {
			return strconv.Quote(s)
		}
	}
	return s
}

// environment lays out the process's environment env (at p.envOff) and
// adds the steps that fill in the entries only the child can know
// (LISTEN_PID, HOME).
func (c *compiler) environment(env []string, uid uint32) {
	p := c.p
	envOff, slots := p.strv(env)
	p.envOff = envOff
	for i, kv := range filterPlaceholders(env) {
		switch kv {
		case envListenPid:
			s := p.addOp(opListenPid, "LISTEN_PID")
			s.n[0] = int64(slots[i])
		case envHome:
			s := p.addOp(opHome, "HOME from /etc/passwd")
			s.n[0], s.n[1] = int64(slots[i]), int64(uid)
		}
	}
}

// personality adds linux.personality's step.
func (c *compiler) personality(per *specs.LinuxPersonality) error {
	if per == nil {
		return nil
	}
	v, ok := personalities[per.Domain]
	if !ok {
		return fmt.Errorf("linux.personality: unknown domain %q", per.Domain)
	}
	s := c.p.addOp(opPersonality, fmt.Sprintf("set personality %s", per.Domain))
	s.n[0] = int64(v)
	return nil
}

// memoryPolicy adds linux.memoryPolicy's step.
func (c *compiler) memoryPolicy(mp *specs.LinuxMemoryPolicy) error {
	if mp == nil {
		return nil
	}
	pol, err := mempolicy.Parse(mp)
	if err != nil {
		return fmt.Errorf("linux.memoryPolicy %s: %w", mp.Mode, err)
	}
	mode, nodes, maxnode := pol.Raw()
	s := c.p.addOp(opMempolicy, fmt.Sprintf("linux.memoryPolicy %s: set_mempolicy", mp.Mode))
	s.n[0], s.n[1] = int64(mode), int64(maxnode)
	nums := make([]int64, len(nodes))
	for i, w := range nodes {
		nums[i] = int64(w)
	}
	s.v = c.p.numv(nums...)
	return nil
}

// processSetup adds what makes the child the user's process, up to its
// credentials: session, environment, scheduling, labels, cwd, rlimits,
// the seccomp filter that needs privileges, the user and capabilities,
// no_new_privs, the executable's lookup. A container's init does it all
// at create, before it says it is ready, as runc and crun do: a created
// container already runs as its user with its capabilities, and what
// cannot be applied fails create, not start. An exec'd process does it
// once it is in the cgroup.
func (c *compiler) processSetup() error {
	p, cfg := c.p, c.cfg
	proc := cfg.Process
	// A session of its own, terminal or not, as with runc: CRIU
	// checkpoints only a process tree that holds the session leaders of
	// its processes. With a terminal, attaching it made one already.
	if !proc.Terminal {
		p.addOp(opSetsid, "setsid")
	}
	env := processEnv(cfg.ListenFDs, proc)
	// The child's own entries are filled in first: a low RLIMIT_NOFILE,
	// set below, must not stop it from reading /etc/passwd.
	c.environment(env, proc.User.UID)
	if err := c.personality(cfg.Personality); err != nil {
		return err
	}
	if err := c.memoryPolicy(cfg.MemoryPolicy); err != nil {
		return err
	}
	// Before the scheduler: SCHED_DEADLINE needs an affinity that spans
	// the CPUs, and must not be refused for an affinity inherited from
	// the caller. The process is in its cgroup by now.
	if err := c.finalAffinity(proc.ExecCPUAffinity); err != nil {
		return err
	}
	if err := c.scheduling(proc); err != nil {
		return err
	}
	c.labels(proc)
	if proc.User.Umask != nil {
		s := p.addOp(opUmask, "umask")
		s.n[0] = int64(*proc.User.Umask)
	}
	cwd := proc.Cwd
	if cwd == "" {
		cwd = "/"
	}
	s := p.addOp(opCwd, "chdir")
	s.s[0], s.s[1] = p.str(cwd), p.str(strconv.Quote(cwd))
	// Before any seccomp filter, which may forbid setrlimit, and before
	// the capabilities, which may not include CAP_SYS_RESOURCE.
	for _, rl := range proc.Rlimits {
		res, err := rlimit.Parse(rl.Type)
		if err != nil {
			return err
		}
		s := p.addOp(opRlimit, fmt.Sprintf("set rlimit %s (soft %d, hard %d)", rl.Type, rl.Soft, rl.Hard))
		s.n[0], s.n[1], s.n[2] = int64(res), int64(rl.Soft), int64(rl.Hard)
	}
	// Nothing of the runtime's may leak into the container or a
	// startContainer hook: every fd above stdio and the preserved ones
	// goes at execve (CVE-2024-21626). Before any filter, which may deny
	// close_range; what the child opens later is close-on-exec.
	s = p.addOp(opCloexec, "mark fds close-on-exec")
	s.n[0] = int64(3 + p.extraFds)
	// Without no_new_privs the kernel wants CAP_SYS_ADMIN to load a
	// filter, so it goes in before the capabilities are dropped.
	if cfg.Seccomp != nil && !proc.NoNewPrivileges {
		if err := c.seccomp(); err != nil {
			return err
		}
	}
	if err := c.user(proc); err != nil {
		return err
	}
	if proc.NoNewPrivileges {
		s := p.addOp(opPrctl, "set no_new_privs")
		s.n[0], s.n[1] = unix.PR_SET_NO_NEW_PRIVS, 1
	}
	// As the user: what it may not execute is not found.
	c.look = c.lookPath(env, "")
	return nil
}

// processStart adds the rest, from the start of the user's process (a
// container's: once `rt start` asked) to its execve: the seccomp filter
// of a process with no_new_privs, the startContainer hooks, the exec.
func (c *compiler) processStart() error {
	p, cfg := c.p, c.cfg
	proc := cfg.Process
	// As late as possible, so that as little as possible of rt's own
	// work runs under it: for a container's init after the wait for
	// start (crun's order; runc loads it before its wait on the exec
	// fifo). A filter that is unprivileged to load has nothing create
	// could catch early.
	if cfg.Seccomp != nil && proc.NoNewPrivileges {
		if err := c.seccomp(); err != nil {
			return err
		}
	}
	// Last, under the filter and the process's credentials, as runc runs
	// them.
	if cfg.Mode == Create && cfg.Spec.Hooks != nil {
		if err := c.hooks("startContainer", HookStartContainer, cfg.Spec.Hooks.StartContainer, 1); err != nil {
			return err
		}
	}
	// The trampoline's argv: the message prefix and the path the child
	// fills in, then the process's.
	argvOff, _ := p.strv(append([]string{"\x00prefix", "\x00path"}, proc.Args...))
	s := p.addOp(opExec, "exec")
	s.v, s.v2 = c.look.v, c.look.v2
	s.n[0], s.n[1] = int64(argvOff), int64(p.envOff)
	return nil
}

// filterPlaceholders returns env with only the placeholders kept, in their
// slot order (the other entries as "").
func filterPlaceholders(env []string) []string {
	var out []string
	for _, kv := range env {
		if kv == envHome || kv == envListenPid {
			out = append(out, kv)
		}
	}
	return out
}

var personalities = map[specs.LinuxPersonalityDomain]uintptr{
	specs.PerLinux: 0x0000, specs.PerLinux32: 0x0008,
}

// labels adds the process's AppArmor profile and SELinux label.
func (c *compiler) labels(proc *specs.Process) {
	p := c.p
	if proc.ApparmorProfile != "" {
		s := p.addOp(opProcWrite, fmt.Sprintf("apply apparmor profile %q", proc.ApparmorProfile))
		// The newer per-LSM path first; the legacy one on older kernels.
		s.s[0], s.s[1], s.s[2] = p.str("thread-self/attr/apparmor/exec"), p.str("exec "+proc.ApparmorProfile), p.str("thread-self/attr/exec")
	}
	// SELinux off: labels have no meaning, as runc does.
	if proc.SelinuxLabel != "" && selinux.GetEnabled() {
		s := p.addOp(opProcWrite, fmt.Sprintf("set selinux exec label %q", proc.SelinuxLabel))
		s.s[0], s.s[1], s.s[2] = p.str("thread-self/attr/exec"), p.str(proc.SelinuxLabel), none
	}
}

// seccomp adds the load of the compiled filter.
func (c *compiler) seccomp() error {
	prog := c.cfg.Seccomp
	if len(prog.Filter) == 0 || len(prog.Filter) > 4096 {
		return fmt.Errorf("seccomp: program has %d instructions", len(prog.Filter))
	}
	flags, err := prog.KernelFlags()
	if err != nil {
		return err
	}
	b := make([]byte, 0, 8*len(prog.Filter))
	for _, in := range prog.Filter {
		b = append(b, byte(in.Code), byte(in.Code>>8), in.Jt, in.Jf,
			byte(in.K), byte(in.K>>8), byte(in.K>>16), byte(in.K>>24))
	}
	s := c.p.addOp(opSeccomp, fmt.Sprintf("load seccomp filter: seccomp: set filter (flags %#x)", flags))
	s.s[0] = c.p.raw(b)
	s.n[0], s.n[1] = int64(flags), int64(len(prog.Filter))
	return nil
}

// user adds the credentials: groups, ids, capabilities.
func (c *compiler) user(proc *specs.Process) error {
	p := c.p
	u := userSpec{uid: proc.User.UID, gid: proc.User.GID, groupsText: none}
	u.groups = vec{off: int32(len(p.gids)), n: int32(len(proc.User.AdditionalGids))}
	p.gids = append(p.gids, proc.User.AdditionalGids...)
	u.groupsText = p.str(fmt.Sprint(proc.User.AdditionalGids))
	// A user namespace whose setgroups is denied cannot have any.
	u.noGroupsOK = c.cfg.UserNS && len(proc.User.AdditionalGids) == 0
	// A process without capabilities has none, as in runc and crun: left
	// alone, it would keep rt's own, the host root's full set. (An exec'd
	// process without them gets the container's: container.Exec.)
	capSpec := proc.Capabilities
	if capSpec == nil {
		capSpec = &specs.LinuxCapabilities{}
	}
	set, err := caps.New(capSpec)
	if err != nil {
		return err
	}
	m := set.Masks()
	var drop, amb []int64
	for n := 0; n <= m.Last; n++ {
		if m.Bounding&(1<<uint(n)) == 0 {
			drop = append(drop, int64(n))
		}
		if m.Ambient&(1<<uint(n)) != 0 {
			amb = append(amb, int64(n))
		}
	}
	u.drop, u.ambient = p.numv(drop...), p.numv(amb...)
	u.effective, u.permitted, u.inheritable = m.Effective, m.Permitted, m.Inheritable
	if len(p.capNames) == 0 {
		for n := 0; n <= m.Last; n++ {
			name := caps.Name(n)
			if name == "" {
				name = "capability " + strconv.Itoa(n)
			}
			p.capNames = append(p.capNames, p.str(name))
		}
	}
	p.users = append(p.users, u)
	s := p.addOp(opUser, "set the user")
	s.n[0] = int64(len(p.users) - 1)
	return nil
}

// hooks adds hooks the child runs (createContainer, startContainer);
// state 0 is the creating state, 1 the created one.
func (c *compiler) hooks(kind string, code int, hs []specs.Hook, state int) error {
	if len(hs) == 0 {
		return nil
	}
	p := c.p
	off := len(p.hooks)
	for i, h := range hs {
		if !filepath.IsAbs(h.Path) {
			return fmt.Errorf("error running %s hook #%d: %s: path must be absolute", kind, i, h.Path)
		}
		hs := hookSpec{path: p.str(h.Path), envp: -1}
		if h.Timeout != nil {
			if *h.Timeout <= 0 {
				return fmt.Errorf("error running %s hook #%d: %s: timeout must be greater than zero, got %d", kind, i, h.Path, *h.Timeout)
			}
			hs.timeout = int64(*h.Timeout)
		}
		args := h.Args
		if len(args) == 0 {
			args = []string{h.Path}
		}
		// Through the trampoline, as the process (see trampoline.go).
		// Its error follows "error running KIND hook #N: PATH: ", which
		// names the path already.
		argv, _ := p.strv(append([]string{"exec: ", h.Path}, args...))
		hs.argv = int32(argv)
		// A hook without env gets the process's (startContainer) or
		// the rt command's (createContainer), as with crun.
		env := h.Env
		if len(env) == 0 && code == HookCreateContainer {
			env = os.Environ()
		}
		if len(env) > 0 {
			envp, _ := p.strv(env)
			hs.envp = int32(envp)
		}
		p.hooks = append(p.hooks, hs)
	}
	s := p.addOp(opHooks, "run "+kind+" hooks")
	s.v = vec{off: int32(off), n: int32(len(hs))}
	s.n[0], s.n[1] = int64(code), int64(state)
	return nil
}

func runningInUserNS() bool { return userns.RunningInUserNS() }

func statOK(path string) (os.FileInfo, error) { return os.Stat(path) }
