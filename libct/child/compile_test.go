package child

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// compileNS compiles the namespaces of a spec with just nss.
func compileNS(t *testing.T, nss ...specs.LinuxNamespace) (*Program, []op, error) {
	t.Helper()
	s := &specs.Spec{Linux: &specs.Linux{Namespaces: nss, UIDMappings: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}}}}
	s.Linux.GIDMappings = s.Linux.UIDMappings
	s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Secs: 10}}
	p := NewProgram()
	c := &compiler{p: p, cfg: &Config{Spec: s}}
	err := c.namespaces()
	t.Cleanup(p.Close)
	var ops []op
	for _, st := range p.steps {
		ops = append(ops, st.op)
	}
	return p, ops, err
}

func TestNewNamespacesAreCloneFlags(t *testing.T) {
	p, ops, err := compileNS(t,
		specs.LinuxNamespace{Type: specs.PIDNamespace}, specs.LinuxNamespace{Type: specs.MountNamespace},
		specs.LinuxNamespace{Type: specs.NetworkNamespace}, specs.LinuxNamespace{Type: specs.UserNamespace},
		specs.LinuxNamespace{Type: specs.CgroupNamespace})
	if err != nil {
		t.Fatal(err)
	}
	want := uint64(unix.CLONE_NEWPID | unix.CLONE_NEWNS | unix.CLONE_NEWNET | unix.CLONE_NEWUSER)
	if p.cloneFlags != want {
		t.Errorf("clone flags %#x, want %#x (the cgroup namespace is unshared once the child is in its cgroup)", p.cloneFlags, want)
	}
	if p.idmap == nil || p.idmap.UIDs[0].HostID != 1000 {
		t.Errorf("no id maps to write: %+v", p.idmap)
	}
	// Become root of the user namespace first, then nothing to join.
	if len(ops) == 0 || ops[0] != opWaitIDMap || slices.Contains(ops, opJoinNs) || slices.Contains(ops, opUnshare) {
		t.Errorf("steps %v", ops)
	}
}

func TestJoinedUserNamespaceUnsharesAfterJoining(t *testing.T) {
	p, ops, err := compileNS(t,
		specs.LinuxNamespace{Type: specs.MountNamespace},
		specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/net"},
		specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/self/ns/user"},
		specs.LinuxNamespace{Type: specs.PIDNamespace})
	if err != nil {
		t.Fatal(err)
	}
	if p.cloneFlags != 0 {
		t.Errorf("clone flags %#x: new namespaces must be unshared after the user namespace is joined", p.cloneFlags)
	}
	join, unshare, fork := slices.Index(ops, opJoinNs), slices.Index(ops, opUnshare), slices.Index(ops, opForkInit)
	if join < 0 || unshare < join || fork < unshare || !p.forkInit {
		t.Errorf("steps %v: want join, unshare, then the fork of the init into the new pid namespace", ops)
	}
	st := p.steps[unshare]
	if st.n[0] != unix.CLONE_NEWNS|unix.CLONE_NEWPID {
		t.Errorf("unshare %#x", st.n[0])
	}
	// The user namespace is listed first; the child's passes order the
	// joins by what the host's root may join.
	pairs := p.nums[p.steps[join].v.off:]
	if pairs[1] != unix.CLONE_NEWUSER {
		t.Errorf("first namespace to join is of type %#x", pairs[1])
	}
}

func TestNewTimeNamespaceIsUnsharedByTheChild(t *testing.T) {
	// clone(2) cannot set a time namespace's offsets, which must be
	// written before any process enters it.
	p, ops, err := compileNS(t, specs.LinuxNamespace{Type: specs.TimeNamespace})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(ops, opTimeOffsets)
	if p.cloneFlags&unix.CLONE_NEWTIME != 0 || i < 1 || ops[i-1] != opUnshare || string(p.bytes(p.steps[i].s[0])) != "boottime 10 0\n" {
		t.Errorf("clone %#x, steps %v", p.cloneFlags, ops)
	}
}

func TestNamespacesRejects(t *testing.T) {
	for name, nss := range map[string][]specs.LinuxNamespace{
		"unknown type":         {{Type: "bogus"}},
		"missing path":         {{Type: specs.NetworkNamespace, Path: "/nonexistent/ns"}},
		"path of another type": {{Type: specs.NetworkNamespace, Path: "/proc/self/ns/ipc"}},
	} {
		if _, _, err := compileNS(t, nss...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s := &specs.Spec{Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.UserNamespace}},
		UIDMappings: []specs.LinuxIDMapping{{ContainerID: 1, HostID: 1000, Size: 10}}}}
	s.Linux.GIDMappings = s.Linux.UIDMappings
	if err := (&compiler{p: NewProgram(), cfg: &Config{Spec: s}}).namespaces(); err == nil {
		t.Error("a new user namespace without a mapping of root was accepted")
	}
}

func TestProcessEnv(t *testing.T) {
	p := &specs.Process{Env: []string{"A=1"}, User: specs.User{UID: 12345}}
	env := processEnv(2, p)
	want := []string{"A=1", "LISTEN_FDS=2", envListenPid, envHome}
	if !slices.Equal(env, want) {
		t.Errorf("env = %q, want %q (and no PATH added)", env, want)
	}
	tests := []struct {
		in, want []string
	}{
		{[]string{"HOME=/home/x", "PATH=/bin"}, []string{"HOME=/home/x", "PATH=/bin"}},
		// The last of a name wins, in the place of its last occurrence.
		{[]string{"ONE=two", "B=1", "ONE=", "PATH=/bin"}, []string{"B=1", "ONE=", "PATH=/bin", envHome}},
		// An empty HOME is no HOME, even after a non-empty one.
		{[]string{"HOME="}, []string{envHome}},
		{[]string{"HOME=/override", "HOME="}, []string{envHome}},
		{[]string{"HOME=", "HOME=/override"}, []string{"HOME=/override"}},
		{nil, []string{envHome}},
		// The caller's LISTEN_PID is the process's own.
		{[]string{"LISTEN_PID=99"}, []string{envHome}},
	}
	for _, tt := range tests {
		p.Env = tt.in
		n := 0
		if slices.Contains(tt.in, "LISTEN_PID=99") {
			n = 1
			tt.want = []string{"LISTEN_FDS=1", envListenPid, envHome}
		}
		if got := processEnv(n, p); !slices.Equal(got, tt.want) {
			t.Errorf("processEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The LISTEN_* variables must not land in the config's own array.
	base := make([]string, 1, 4)
	base[0] = "A=1"
	p.Env = base
	processEnv(1, p)
	if spare := base[:2]; spare[1] != "" {
		t.Errorf("processEnv wrote into its input's spare capacity: %q", spare)
	}
}

func TestLookPathCandidates(t *testing.T) {
	c := &compiler{p: NewProgram(), cfg: &Config{Process: &specs.Process{Args: []string{"tool"}}}}
	s := c.lookPath([]string{"PATH=/a::/b"}, "")
	var got []string
	for i := 0; i < int(s.v.n); i++ {
		got = append(got, string(c.p.bytes(c.p.strAt(s.v, i))))
	}
	if want := []string{"/a/tool", "tool", "/b/tool"}; !slices.Equal(got, want) {
		t.Errorf("candidates %q, want %q", got, want)
	}
	c.cfg.Process.Args = []string{"bin/x y"}
	s = c.lookPath(nil, "/work")
	if p := string(c.p.bytes(c.p.strAt(s.v, 0))); p != "/work/bin/x y" || s.n[0] != 1 {
		t.Errorf("a relative name with a slash: %q", p)
	}
	if w := string(c.p.bytes(s.what)); w != `exec "/work/bin/x y"` {
		t.Errorf("words %q", w)
	}
	// Without PATH, the default search path, as execvp(3).
	c.cfg.Process.Args = []string{"sh"}
	if s = c.lookPath([]string{"A=1"}, ""); s.v.n != 6 {
		t.Errorf("%d candidates without PATH", s.v.n)
	}
}

func TestQuoteIfOdd(t *testing.T) {
	for in, want := range map[string]string{
		"/run.sh":  "/run.sh",
		"/a b":     `"/a b"`,
		"/x\nFAKE": `"/x\nFAKE"`,
		`/q"`:      `"/q\""`,
	} {
		if got := QuoteIfOdd(in); got != want {
			t.Errorf("QuoteIfOdd(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestCPULists(t *testing.T) {
	for in, want := range map[string]int{"0": 1, "0-1": 2, "0-3,7": 5, "0,2-3,8-15": 11} {
		if got, err := cpuListCount(in); err != nil || got != want {
			t.Errorf("cpuListCount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "3-1", "1-"} {
		if _, err := cpuListCount(bad); err == nil {
			t.Errorf("cpuListCount(%q) succeeded", bad)
		}
		if _, err := cpuMask("final", bad); err == nil {
			t.Errorf("cpuMask(%q) succeeded", bad)
		}
	}
	m, err := cpuMask("final", "0-2,65")
	if err != nil || m[0] != 7 || m[1] != 2 {
		t.Errorf("cpuMask = %x, %v", m[:2], err)
	}
}

// rootfsPropagation is in force while the mounts are made (a volume from
// a shared host mount stays in the host's peer group), the mount holding
// the rootfs is kept out of the host's groups, and the root gets its final
// propagation last, after the read-only and masked paths.
func TestRootPropagationSteps(t *testing.T) {
	tests := []struct {
		prop          string
		before, after string // the whats of the first and the last "make /" steps
		holder        uintptr
	}{
		{"", "make / rslave", "", unix.MS_PRIVATE},
		{"rshared", "make / rshared", "make / rshared", unix.MS_PRIVATE},
		{"slave", "make / slave", "", unix.MS_SLAVE},
		{"rprivate", "make / rprivate", "", unix.MS_PRIVATE},
		{"runbindable", "make / rprivate", "make / runbindable", unix.MS_PRIVATE},
	}
	for _, tc := range tests {
		spec := &specs.Spec{
			Root:   &specs.Root{Path: "rootfs"},
			Mounts: []specs.Mount{{Destination: "/dev", Type: "bind", Source: "/dev", Options: []string{"rbind"}}},
			Linux:  &specs.Linux{RootfsPropagation: tc.prop, MaskedPaths: []string{"/proc/kcore"}},
		}
		p := NewProgram()
		c := &compiler{p: p, cfg: &Config{Spec: spec, Bundle: "/b", Rootfs: "/b/rootfs"}}
		if err := c.prepareRootfs(rootfsOpts{}); err != nil {
			t.Fatal(err)
		}
		c.enterRoot(true)
		if err := c.finishRootfs(false, ""); err != nil {
			t.Fatal(err)
		}
		var whats []string
		holder, mask, last := -1, -1, -1
		for i, st := range p.steps {
			w := string(p.bytes(st.what))
			whats = append(whats, w)
			switch {
			case st.op == opMountHolder:
				holder = i
				if uintptr(st.n[0]) != tc.holder || p.bytes(p.strAt(st.v, 0)) == nil || string(p.bytes(p.strAt(st.v, int(st.v.n)-1))) != "/" {
					t.Errorf("%q: holder step %+v", tc.prop, st)
				}
			case st.op == opMask:
				mask = i
			case st.op == opMount && strings.HasPrefix(w, "make / "):
				last = i
			}
		}
		if whats[0] != tc.before || holder != 1 || whats[2] != "bind rootfs /b/rootfs onto itself" {
			t.Errorf("%q: steps begin %q", tc.prop, whats[:3])
		}
		switch {
		case tc.after == "" && last != 0:
			t.Errorf("%q: steps %q: / changed after the mounts", tc.prop, whats)
		case tc.after != "" && (last != len(whats)-1 || whats[last] != tc.after || last < mask):
			t.Errorf("%q: steps %q: want %q last", tc.prop, whats, tc.after)
		}
		p.Close()
	}
}
