package hostcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestProblemError(t *testing.T) {
	if got := (Problem{"process.args[0]", "x"}).Error(); got != "config.json: process.args[0]: x" {
		t.Errorf("config field: %q", got)
	}
	if got := (Problem{"--checkpoint", "y"}).Error(); got != "--checkpoint: y" {
		t.Errorf("flag: %q", got)
	}
}

func TestApparmorProfile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "profiles")
	write(t, f, "docker-default (enforce)\nrt test (complain)\n/usr/bin/man (enforce)\n")
	old := apparmorProfiles
	apparmorProfiles = f
	defer func() { apparmorProfiles = old }()
	for _, name := range []string{"docker-default", "rt test", "/usr/bin/man", "unconfined", "a//&b", ":ns:p", ""} {
		if ps, ns := apparmorProfile("f", name); len(ps)+len(ns) != 0 {
			t.Errorf("%q: %v %v", name, ps, ns)
		}
	}
	ps, _ := apparmorProfile("process.apparmorProfile", "missing")
	if len(ps) != 1 || !strings.Contains(ps[0].Lack, `"missing" is not loaded`) {
		t.Errorf("missing: %v", ps)
	}
	apparmorProfiles = filepath.Join(t.TempDir(), "none")
	if ps, ns := apparmorProfile("f", "x"); len(ps) != 0 || len(ns) != 1 {
		t.Errorf("no securityfs: %v %v", ps, ns)
	}
}

func TestNamespaces(t *testing.T) {
	dir := t.TempDir()
	old := procDir
	procDir = dir
	defer func() { procDir = old }()
	for _, n := range []string{"net", "pid", "user"} {
		write(t, filepath.Join(dir, "self/ns", n), "")
	}
	write(t, filepath.Join(dir, "sys/user/max_net_namespaces"), "0\n")
	write(t, filepath.Join(dir, "sys/user/max_pid_namespaces"), "100\n")
	spec := &specs.Spec{Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{
		{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.TimeNamespace},
		{Type: specs.UTSNamespace, Path: "/proc/1/ns/uts"},
	}}}
	got := Namespaces(spec)
	var lines []string
	for _, p := range got {
		lines = append(lines, p.Error())
	}
	want := []string{
		"config.json: linux.namespaces[1]: the host allows no new network namespaces (" + dir + "/sys/user/max_net_namespaces is 0)",
		"config.json: linux.namespaces[2]: the kernel has no time namespaces (no " + dir + "/self/ns/time)",
	}
	if os.Geteuid() != 0 {
		t.Skip("the CAP_SYS_ADMIN lines differ without root")
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestUnderMount(t *testing.T) {
	mounts := []specs.Mount{{Destination: "/opt/bin"}, {Destination: "/"}, {Destination: "proc"}}
	for p, want := range map[string]bool{
		"/opt/bin/x": true, "/opt/bin": true, "/opt/binx/y": false, "/bin/sh": false, "/proc/1/exe": true,
	} {
		if got := underMount(mounts, p); got != want {
			t.Errorf("%s: %v", p, got)
		}
	}
}

func TestExecutable(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "usr/bin/tool"), "")
	os.Chmod(filepath.Join(root, "usr/bin/tool"), 0o755)
	write(t, filepath.Join(root, "plain"), "")
	os.Symlink("usr/bin", filepath.Join(root, "bin"))
	// A directory that leads below a mount: the mount decides.
	os.MkdirAll(filepath.Join(root, "opt"), 0o755)
	os.Symlink("/mnt/tools", filepath.Join(root, "opt/tools"))
	for _, c := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"tool"}, nil, ""},
		{[]string{"/bin/tool"}, nil, ""},
		{[]string{"../../usr/bin/tool"}, nil, ""},
		{[]string{"tool"}, []string{"PATH=/nowhere"}, `exec "tool": executable file not found in $PATH`},
		{[]string{"/bin/none"}, nil, "exec /bin/none: no such file or directory"},
		{[]string{"/plain"}, nil, "exec /plain: permission denied"},
		{[]string{"/usr"}, nil, "exec /usr: permission denied"},
		{[]string{"/plain/x"}, nil, "exec /plain/x: no such file or directory"},
		{[]string{"/opt/tools/x"}, nil, ""},
		{[]string{"x"}, []string{"PATH=/nowhere:/opt/tools"}, ""},
		{[]string{"/opt/none/x"}, nil, "exec /opt/none/x: no such file or directory"},
	} {
		spec := &specs.Spec{Process: &specs.Process{Args: c.args, Env: c.env, Cwd: "/a/b"},
			Mounts: []specs.Mount{{Destination: "/mnt/tools"}}}
		ps := Executable(spec, root)
		got := ""
		if len(ps) > 0 {
			got = ps[0].Lack
		}
		if got != c.want {
			t.Errorf("%v %v: %q, want %q", c.args, c.env, got, c.want)
		}
	}
}
