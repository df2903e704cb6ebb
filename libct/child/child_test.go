package child

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/console"
	"github.com/rt-runtime/rt/libct/seccomp"
)

// These tests run real children: containers of a busybox rootfs, made
// and run by the programs Compile makes, as root. Together they run every
// kind of step (TestMain checks that they did).

var (
	ranOps   = map[op]bool{}
	ranOpsMu sync.Mutex
)

// started records the kinds of steps of a program that ran to its exec.
func started(p *Program) {
	ranOpsMu.Lock()
	defer ranOpsMu.Unlock()
	for _, s := range p.steps {
		ranOps[s.op] = true
	}
}

// notCovered are the steps these tests cannot run: a container without a
// mount namespace mounts into the caller's (so the test process's), and
// opNone is no step. tests/integration covers the first (mounts.bats:
// "without a mount namespace ...").
var notCovered = map[op]bool{opNone: true, opChroot: true}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	// Only when every test ran (no -run) can every step have.
	all := flag.Lookup("test.run").Value.String() == ""
	if code == 0 && all && os.Geteuid() == 0 && len(ranOps) > 0 {
		var missing []string
		for o := opNone; int(o) < len(opNames); o++ {
			if !ranOps[o] && !notCovered[o] {
				missing = append(missing, o.String())
			}
		}
		if len(missing) > 0 && os.Getenv("RT_CHILD_TEST_RUN") == "" {
			os.Stderr.WriteString("child: these steps ran in no test: " + strings.Join(missing, ", ") + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs /bin/busybox (busybox-static)")
	}
}

// busyboxRootfs makes a rootfs of the host's static busybox.
func busyboxRootfs(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "rootfs")
	for _, d := range []string{"bin", "proc", "dev", "sys", "tmp", "etc", "root", "data"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range strings.Fields(string(out)) {
		os.Symlink("busybox", filepath.Join(root, "bin", name))
	}
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\n"), 0o644)
	os.Chmod(filepath.Join(root, "tmp"), 0o1777)
	return root
}

// handler answers a create's requests.
type handler struct {
	t      *testing.T
	pid    func() int
	hooks  bool
	mounts []string
}

func (h *handler) Cgroup() ([]byte, error) {
	creating, _ := json.Marshal(&specs.State{Version: specs.Version, ID: "ct", Status: specs.StateCreating, Pid: h.pid()})
	created, _ := json.Marshal(&specs.State{Version: specs.Version, ID: "ct", Status: specs.StateCreated, Pid: h.pid()})
	return append(append(creating, 0), created...), nil
}
func (h *handler) Hooks() error { h.hooks = true; return nil }
func (h *handler) MountFd(int) (*os.File, error) {
	h.t.Error("unexpected mountfd request")
	return nil, unix.EINVAL
}
func (h *handler) Mounts() ([]string, error) { return h.mounts, nil }
func (h *handler) Seccomp(int) error         { h.t.Error("unexpected seccomp request"); return nil }

// runCreate makes the container of cfg (a create), starts it and returns
// what its process wrote on stdout and its wait status.
func runCreate(t *testing.T, cfg *Config, h *handler) (string, unix.WaitStatus) {
	t.Helper()
	dir := t.TempDir()
	lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sockAddr := &unix.SockaddrUnix{Name: filepath.Join(dir, "start.sock")}
	if err := unix.Bind(lfd, sockAddr); err != nil {
		t.Fatal(err)
	}
	listener := os.NewFile(uintptr(lfd), "start")
	defer listener.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cfg.Mode, cfg.StartListener, cfg.ThreadPidNS = Create, listener, -1
	cfg.Stdio = [3]*os.File{nil, w, w}
	p, err := Compile(cfg)
	if err != nil {
		w.Close()
		t.Fatal(err)
	}
	ch, err := p.Start(nil)
	w.Close()
	listener.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Release()
	h.pid = func() int { return ch.Pid }
	if _, err := ch.Conn.Serve(h, KindReady); err != nil {
		t.Fatal(ch.Failure(err))
	}
	ch.Conn.Send(Msg{Kind: KindOK})
	if _, _, err := ch.Conn.Recv(); err != ErrClosed {
		t.Fatalf("after ready: %v", err)
	}
	started(p)
	start, err := SendStart(sockAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer start.Close()
	if _, err := start.Serve(h, 0); err != nil {
		ch.Kill()
		t.Fatal(err)
	}
	out, _ := io.ReadAll(r)
	ws, err := ch.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return string(out), ws
}

// checks is a shell script printing "name=value" lines.
const checks = `
echo hostname=$(hostname)
echo domainname=$(cat /proc/sys/kernel/domainname)
echo pid=$$
echo cwd=$(pwd)
echo home=$HOME
echo umask=$(umask)
echo nofile=$(ulimit -n)
echo groups=$(id -G)
echo nnp=$(grep NoNewPrivs /proc/self/status | cut -f2)
echo seccomp=$(grep '^Seccomp:' /proc/self/status | cut -f2)
echo capeff=$(grep CapEff /proc/self/status | cut -f2)
echo nice=$(cut -d' ' -f19 /proc/self/stat)
echo fuse=$(stat -c %t:%T /dev/fuse)
echo ptmx=$(readlink /dev/ptmx)
echo keys=$(wc -c </proc/keys)
echo acpi=$(ls /proc/acpi | wc -l)
echo ipfwd=$(cat /proc/sys/net/ipv4/ip_forward)
echo sysro=$(echo 0 >/proc/sys/net/ipv4/ip_forward 2>/dev/null && echo rw || echo ro)
echo datarw=$(touch /data/x 2>/dev/null && echo rw || echo ro)
echo dataseen=$(cat /data/seen)
echo copyup=$(grep -c : /etc/passwd)
echo mkdir=$(mkdir /tmp/d 2>&1 | grep -c 'not implemented')
echo started=$(cat /tmp/started)
echo cgroups=$(ls /sys/fs/cgroup | sort | tr '\n' ,)
echo cglink=$(readlink /sys/fs/cgroup/cpuacct)
echo shm=$(stat -f -c %T /dev/shm)
echo fds=$(ls /proc/self/fd | wc -l)
`

func checkLines(t *testing.T, out string, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			got[k] = v
		}
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%s = %q, want %q", k, got[k], want[k])
		}
	}
	if t.Failed() {
		t.Logf("the process said:\n%s", out)
	}
}

func TestCreateChild(t *testing.T) {
	needRoot(t)
	root := busyboxRootfs(t)
	host := t.TempDir()
	os.WriteFile(filepath.Join(host, "seen"), []byte("yes"), 0o644)
	cg := t.TempDir()
	for _, c := range []string{"cpu", "memory"} {
		os.Mkdir(filepath.Join(cg, c), 0o755)
	}
	prof := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: u(uint(unix.ENOSYS))},
	}}
	prog, err := seccomp.Compile(prof, "")
	if err != nil {
		t.Fatal(err)
	}
	umask := uint32(0o027)
	nice := int32(3)
	caps := []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID"}
	sh := "/bin/sh"
	spec := &specs.Spec{
		Root:       &specs.Root{Path: root},
		Hostname:   "ctr",
		Domainname: "example",
		Process: &specs.Process{
			Args: []string{"sh", "-c", checks}, Env: []string{"PATH=/bin"}, Cwd: "/tmp",
			User:            specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{10, 20}, Umask: &umask},
			Capabilities:    &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 512, Hard: 512}},
			NoNewPrivileges: true,
			Scheduler:       &specs.Scheduler{Policy: specs.SchedOther, Nice: nice},
			IOPriority:      &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 5},
			ExecCPUAffinity: &specs.CPUAffinity{Final: "0"},
		},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "mode=755", "ro"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"newinstance", "ptmxmode=0666"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm"},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue"},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"ro", "nosuid"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=1777"}},
			{Destination: "/etc", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup"}},
			{Destination: "/data", Type: "bind", Source: host, Options: []string{"rbind", "ro", "rprivate"}},
		},
		Hooks: &specs.Hooks{
			CreateRuntime:   []specs.Hook{{Path: sh}},
			CreateContainer: []specs.Hook{{Path: sh, Args: []string{"sh", "-c", "grep -q creating && : >created-by-hook"}}},
			StartContainer:  []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "grep -q created && echo yes >/tmp/started"}}},
		},
		Linux: &specs.Linux{
			Namespaces:    []specs.LinuxNamespace{{Type: "pid"}, {Type: "mount"}, {Type: "ipc"}, {Type: "uts"}, {Type: "network"}, {Type: "cgroup"}},
			Devices:       []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}},
			Sysctl:        map[string]string{"net.ipv4.ip_forward": "1"},
			MaskedPaths:   []string{"/proc/kcore", "/proc/acpi", "/sys/firmware", "/proc/keys", "/nonexistent"},
			ReadonlyPaths: []string{"/proc/sys", "/proc/bus"},
			Personality:   &specs.LinuxPersonality{Domain: specs.PerLinux},
			MemoryPolicy:  &specs.LinuxMemoryPolicy{Mode: specs.MpolDefault},
		},
	}
	h := &handler{t: t}
	out, ws := runCreate(t, &Config{
		ID: "ct", Bundle: filepath.Dir(root), Rootfs: root, Spec: spec, Process: spec.Process,
		// cpu and cpuacct as systemd mounts them: one hierarchy.
		CgroupPaths:      map[string]string{"cpu": filepath.Join(cg, "cpu"), "cpuacct": filepath.Join(cg, "cpu"), "memory": filepath.Join(cg, "memory")},
		CgroupMountNames: map[string]string{"cpu": "cpu,cpuacct", "cpuacct": "cpu,cpuacct", "memory": "memory"},
		Seccomp:          prog, Personality: spec.Linux.Personality, MemoryPolicy: spec.Linux.MemoryPolicy,
	}, h)
	if ws.ExitStatus() != 0 {
		t.Errorf("exit status %v", ws)
	}
	if !h.hooks {
		t.Error("the createRuntime hooks were not asked for")
	}
	if _, err := os.Stat(filepath.Join(root, "created-by-hook")); err != nil {
		t.Errorf("createContainer hook: %v", err)
	}
	checkLines(t, out, map[string]string{
		"hostname": "ctr", "domainname": "example", "pid": "1", "cwd": "/tmp", "home": "/root",
		"umask": "0027", "nofile": "512", "groups": "0 10 20", "nnp": "1", "seccomp": "2",
		"capeff": "00000000000000c3", "nice": "3", "fuse": "a:e5", "ptmx": "pts/ptmx", "keys": "0",
		"acpi": "0", "ipfwd": "1", "sysro": "ro", "datarw": "ro", "dataseen": "yes", "copyup": "2",
		"mkdir": "1", "started": "yes", "cgroups": "cpu,cpu,cpuacct,cpuacct,memory,", "cglink": "cpu,cpuacct", "shm": "tmpfs",
		// stdin, stdout, stderr and the one ls reads /proc/self/fd with
		"fds": "4",
	})
}

func u(v uint) *uint { return &v }

// A user namespace with a time namespace, --no-pivot and a terminal.
func TestCreateChildUserNSTerminalNoPivot(t *testing.T) {
	needRoot(t)
	if _, err := os.Stat("/proc/self/ns/time"); err != nil {
		t.Skip("no time namespaces")
	}
	root := busyboxRootfs(t)
	const host = 200000
	filepath.Walk(root, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, host, host) })
	// The test's temporary directories are the host root's alone.
	for d := filepath.Dir(root); d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	sock, peer, err := console.Pair()
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	defer peer.Close()
	spec := &specs.Spec{
		Root: &specs.Root{Path: root},
		Process: &specs.Process{
			Terminal: true, ConsoleSize: &specs.Box{Height: 30, Width: 100},
			Args: []string{"sh", "-c", "echo tty=$(tty); echo size=$(stty size); echo id=$(id -u); echo up=$(cut -d. -f1 /proc/uptime); echo mp=$(awk '$5 == \"/\"' /proc/self/mountinfo | wc -l)"},
			Env:  []string{"PATH=/bin", "HOME=/root"}, Cwd: "/",
		},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=755"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"newinstance", "ptmxmode=0666"}},
		},
		Linux: &specs.Linux{
			Namespaces:  []specs.LinuxNamespace{{Type: "pid"}, {Type: "mount"}, {Type: "user"}, {Type: "time"}, {Type: "uts"}},
			UIDMappings: []specs.LinuxIDMapping{{ContainerID: 0, HostID: host, Size: 65536}},
			GIDMappings: []specs.LinuxIDMapping{{ContainerID: 0, HostID: host, Size: 65536}},
			TimeOffsets: map[string]specs.LinuxTimeOffset{"boottime": {Secs: 864000}},
		},
	}
	var host0 []byte
	host0, _ = os.ReadFile("/proc/uptime")
	h := &handler{t: t, mounts: nil}
	type result struct {
		out string
		err error
	}
	got := make(chan result, 1)
	go func() {
		master, err := console.Recv(peer)
		if err != nil {
			got <- result{err: err}
			return
		}
		defer master.Close()
		b, _ := io.ReadAll(master) // EIO once the slave is gone
		got <- result{out: string(b)}
	}()
	_, ws := runCreate(t, &Config{
		ID: "ct", Bundle: filepath.Dir(root), Rootfs: root, Spec: spec, Process: spec.Process,
		NoPivot: true, UserNS: true, Console: sock,
	}, h)
	if ws.ExitStatus() != 0 {
		t.Errorf("exit status %v", ws)
	}
	res := <-got
	if res.err != nil {
		t.Fatal(res.err)
	}
	hostUp := strings.Split(string(host0), ".")[0]
	out := strings.ReplaceAll(res.out, "\r", "")
	up := ""
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "up="); ok {
			up = v
		}
	}
	if len(up) <= len(hostUp) && up <= hostUp {
		t.Errorf("uptime %s not past the host's %s plus the offset", up, hostUp)
	}
	checkLines(t, out, map[string]string{"tty": "/dev/pts/0", "size": "30 100", "id": "0", "mp": "1"})
}

func itoa(n int) string {
	b := appIntTest(nil, n)
	return string(b)
}

func appIntTest(b []byte, n int) []byte {
	if n >= 10 {
		b = appIntTest(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// baseSpec is a container of root with the usual mounts.
func baseSpec(root string, args ...string) *specs.Spec {
	return &specs.Spec{
		Root:    &specs.Root{Path: root},
		Process: &specs.Process{Args: args, Env: []string{"PATH=/bin"}, Cwd: "/"},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=755"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"},
		},
		Linux: &specs.Linux{
			Namespaces:  []specs.LinuxNamespace{{Type: "pid"}, {Type: "mount"}},
			MaskedPaths: []string{"/proc/keys"},
		},
	}
}

// createFails makes the container of spec and returns the error the
// child reports before it is ready.
func createFails(t *testing.T, spec *specs.Spec, console *os.File) error {
	t.Helper()
	root := spec.Root.Path
	lfd, _ := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	listener := os.NewFile(uintptr(lfd), "start")
	defer listener.Close()
	p, err := Compile(&Config{
		Mode: Create, ID: "ct", Bundle: filepath.Dir(root), Rootfs: root, Spec: spec, Process: spec.Process,
		ThreadPidNS: -1, StartListener: listener, Console: console,
	})
	if err != nil {
		return err
	}
	ch, err := p.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Release()
	_, err = ch.Conn.Serve(&handler{t: t, pid: func() int { return ch.Pid }}, KindReady)
	if err == nil {
		ch.Kill()
		t.Fatal("the container was made")
	}
	ch.Wait()
	return err
}

// The child refuses what would put a mount, a mask or the console where
// the image (or config) sends it rather than where it belongs.
func TestCreateChildRefuses(t *testing.T) {
	needRoot(t)
	tests := []struct {
		name  string
		setup func(root string, s *specs.Spec)
		want  string
	}{
		{"proc through a symlink", func(root string, s *specs.Spec) {
			os.Remove(filepath.Join(root, "proc"))
			os.Symlink("/tmp", filepath.Join(root, "proc"))
		}, `mount proc on /proc: filesystem "proc" must be mounted on ordinary directory`},
		{"missing bind source", func(root string, s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/mnt", Type: "bind", Source: "/nonexistent-rt-test", Options: []string{"bind"}})
		}, "bind /nonexistent-rt-test on /mnt: open bind source: no such file or directory"},
		{"unknown filesystem", func(root string, s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/mnt", Type: "nosuchfs", Source: "x"})
		}, "mount nosuchfs on /mnt: no such device"},
		{"not a procfs on /proc", func(root string, s *specs.Spec) {
			s.Mounts[0].Type = "tmpfs"
		}, "mount on /proc: only a procfs may be mounted there"},
		{"a bind inside /proc", func(root string, s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/proc/sys/kernel/hostname", Type: "bind", Source: "/etc/hostname", Options: []string{"bind"}})
		}, "mount on /proc/sys/kernel/hostname: inside /proc, where"},
		{"a bind sent into /proc through a symlink", func(root string, s *specs.Spec) {
			os.Symlink("/proc/sys/kernel", filepath.Join(root, "data"))
			os.Remove(filepath.Join(root, "data"))
			os.Symlink("/proc/sys/kernel", filepath.Join(root, "data"))
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data/hostname", Type: "bind", Source: "/etc/hostname", Options: []string{"bind"}})
		}, "mount on /data/hostname: resolves to /proc/sys/kernel/hostname: inside /proc, where"},
		{"a fake /dev/null to mask with", func(root string, s *specs.Spec) {
			// No tmpfs on /dev: the image's /dev/null would be used, a
			// symlink to a file the mask would otherwise expose.
			s.Mounts = s.Mounts[:1]
			os.WriteFile(filepath.Join(root, "etc/target"), []byte("x"), 0o644)
			os.Symlink("/etc/target", filepath.Join(root, "dev/null"))
		}, "/dev/null is not the 1:3 character device"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := busyboxRootfs(t)
			spec := baseSpec(root, "true")
			tc.setup(root, spec)
			err := createFails(t, spec, nil)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want %q", err, tc.want)
			}
		})
	}
}

// A /dev/console the image planted as a symlink is not followed when the
// pty is bound there (CVE-2025-52565).
func TestCreateChildConsoleRefusesSymlink(t *testing.T) {
	needRoot(t)
	root := busyboxRootfs(t)
	spec := baseSpec(root, "true")
	// The image's own /dev, with a devpts for the pty.
	spec.Mounts = append(spec.Mounts[:1], specs.Mount{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"newinstance", "ptmxmode=0666"}})
	os.WriteFile(filepath.Join(root, "etc/target"), []byte("x"), 0o644)
	os.Symlink("/etc/target", filepath.Join(root, "dev/console"))
	spec.Process.Terminal = true
	sock, peer, err := console.Pair()
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	defer peer.Close()
	go func() {
		if m, err := console.Recv(peer); err == nil {
			m.Close()
		}
	}()
	err = createFails(t, spec, sock)
	if !strings.Contains(err.Error(), "refusing to mount console over /dev/console") {
		t.Errorf("got %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/target")); string(b) != "x" {
		t.Errorf("the symlink's target changed: %q", b)
	}
}

// On cgroup v2 without a cgroup namespace, the container's own cgroup is
// bound on /sys/fs/cgroup (the hybrid host's unified tree serves here).
func TestCreateChildCgroup2Bind(t *testing.T) {
	needRoot(t)
	p := filepath.Join("/sys/fs/cgroup/unified", "rt-test-child-"+itoa(os.Getpid()))
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Skipf("no cgroup2 tree to test with: %v", err)
	}
	defer os.Remove(p)
	root := busyboxRootfs(t)
	spec := baseSpec(root, "sh", "-c", "echo fs=$(stat -f -c %t /sys/fs/cgroup); echo files=$(ls /sys/fs/cgroup | grep -c cgroup.procs)")
	spec.Mounts = append(spec.Mounts, specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "ro"}})
	out, ws := runCreate(t, &Config{
		ID: "ct", Bundle: filepath.Dir(root), Rootfs: root, Spec: spec, Process: spec.Process,
		CgroupV2: true, CgroupPaths: map[string]string{"": p},
	}, &handler{t: t})
	if ws.ExitStatus() != 0 {
		t.Errorf("exit status %v", ws)
	}
	checkLines(t, out, map[string]string{"fs": "63677270", "files": "1"}) // CGROUP2_SUPER_MAGIC
}
