package cgroups

import (
	"os"
	"reflect"

	"strings"
	"testing"
)

func loadLayout(t *testing.T, name string) *layout {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := parseLayout(f)
	if err != nil {
		t.Fatalf("parseLayout(%s): %v", name, err)
	}
	return l
}

func TestParseLayoutV1(t *testing.T) {
	l := loadLayout(t, "mountinfo.v1")
	if l.mode != modeV1 || l.unified != nil {
		t.Fatalf("mode %v unified %v, want v1 without unified", l.mode, l.unified)
	}
	got := map[string]string{}
	for _, h := range l.v1 {
		got[strings.Join(h.controllers, ",")] = h.mountpoint
	}
	want := map[string]string{
		"cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
		"cpuset":      "/sys/fs/cgroup/cpuset",
		"memory":      "/sys/fs/cgroup/memory", // the later bind mount is ignored
		"devices":     "/sys/fs/cgroup/devices",
		// named hierarchies count too, as in runc
		"name=systemd": "/sys/fs/cgroup/systemd",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("hierarchies = %v, want %v", got, want)
	}
	if h := l.hierarchyOf("cpuacct"); h == nil || h.mountpoint != "/sys/fs/cgroup/cpu,cpuacct" {
		t.Fatalf("hierarchyOf(cpuacct) = %+v", h)
	}
	if l.hierarchyOf("pids") != nil {
		t.Fatal("pids is not mounted in the fixture")
	}
	names := map[string]string{"cpu": "cpu,cpuacct", "cpuacct": "cpu,cpuacct", "cpuset": "cpuset",
		"memory": "memory", "devices": "devices", "systemd": "systemd"}
	if got := l.v1MountNames(); !reflect.DeepEqual(got, names) {
		t.Fatalf("v1MountNames = %v, want %v", got, names)
	}
	own := map[string]string{"cpu": "/user.slice", "cpuset": "/", "memory": "/m", "devices": "/d", "name=systemd": "/s"}
	wantOwn := map[string]string{"cpu": "/sys/fs/cgroup/cpu,cpuacct/user.slice", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/user.slice",
		"cpuset": "/sys/fs/cgroup/cpuset", "memory": "/sys/fs/cgroup/memory/m", "devices": "/sys/fs/cgroup/devices/d",
		"name=systemd": "/sys/fs/cgroup/systemd/s"}
	if got := l.ownPaths(own); !reflect.DeepEqual(got, wantOwn) {
		t.Fatalf("ownPaths = %v, want %v", got, wantOwn)
	}
}

func TestParseLayoutHybridAndV2(t *testing.T) {
	h := loadLayout(t, "mountinfo.hybrid")
	if h.mode != modeHybrid || h.unified == nil || h.unified.mountpoint != "/sys/fs/cgroup/unified" {
		t.Fatalf("hybrid: mode %v unified %+v", h.mode, h.unified)
	}
	if len(h.v1) != 5 {
		t.Fatalf("hybrid: %d v1 hierarchies, want 5 (with name=systemd)", len(h.v1))
	}
	v2 := loadLayout(t, "mountinfo.v2")
	if v2.mode != modeV2 || v2.unified.mountpoint != "/sys/fs/cgroup" || len(v2.v1) != 0 {
		t.Fatalf("v2: %+v", v2)
	}
	f, _ := os.Open("testdata/mountinfo.none")
	defer f.Close()
	if _, err := parseLayout(f); err == nil {
		t.Fatal("no cgroup mounts: want an error")
	}
}

func TestParseLayoutEscapedMountpoint(t *testing.T) {
	l, err := parseLayout(strings.NewReader(`50 22 0:32 /sub /mnt/a\040b rw,relatime shared:3 master:1 - cgroup cgroup rw,memory` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.v1) != 1 || l.v1[0].mountpoint != "/mnt/a b" || l.v1[0].root != "/sub" || l.v1[0].controllers[0] != "memory" {
		t.Fatalf("got %+v", l.v1)
	}
}

func TestParseProcCgroup(t *testing.T) {
	f, err := os.Open("testdata/proc_cgroup.hybrid")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := parseProcCgroup(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"name=systemd": "/user.slice",
		"memory":       "/process_api/abc",
		"cpu":          "/user.slice/session-1.scope",
		"cpuacct":      "/user.slice/session-1.scope",
		"freezer":      "/",
		"":             "/user.slice/session-1.scope",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestContainerPath(t *testing.T) {
	ok := map[[2]string]string{
		{"", "abc"}:          "/rt/abc",
		{"/a/b/", "x"}:       "/a/b",
		{"/a//b/./c", "x"}:   "/a/b/c",
		{"foo/bar", "x"}:     "foo/bar",
		{"./foo", "x"}:       "foo",
		{"/a/..b/c..d", "x"}: "/a/..b/c..d",
	}
	for in, want := range ok {
		got, err := containerPath(in[0], in[1])
		if err != nil || got != want {
			t.Errorf("containerPath(%q, %q) = %q, %v; want %q", in[0], in[1], got, err, want)
		}
	}
	bad := [][2]string{{"/a/../b", "x"}, {"..", "x"}, {"a/..", "x"}, {"", ""}, {"", "a/b"}, {"", ".."}, {"/", "x"}, {".", "x"}}
	for _, in := range bad {
		if got, err := containerPath(in[0], in[1]); err == nil {
			t.Errorf("containerPath(%q, %q) = %q, want an error", in[0], in[1], got)
		}
	}
}

func TestResolveDir(t *testing.T) {
	h := &hierarchy{mountpoint: "/sys/fs/cgroup/memory", root: "/"}
	cases := []struct {
		own, p, want string
	}{
		{"/process_api/x", "/a/b", "/sys/fs/cgroup/memory/a/b"},
		{"/process_api/x", "a/b", "/sys/fs/cgroup/memory/process_api/x/a/b"},
		{"/", "a", "/sys/fs/cgroup/memory/a"},
	}
	for _, c := range cases {
		got, err := resolveDir(h, c.own, c.p)
		if err != nil || got != c.want {
			t.Errorf("resolveDir(%q, %q) = %q, %v; want %q", c.own, c.p, got, err, c.want)
		}
	}
	// A mount of a subtree: /proc/self/cgroup shows the full path.
	sub := &hierarchy{mountpoint: "/sys/fs/cgroup", root: "/kubepods/pod1"}
	got, err := resolveDir(sub, "/kubepods/pod1/ctr", "child")
	if err != nil || got != "/sys/fs/cgroup/ctr/child" {
		t.Errorf("subtree mount: got %q, %v", got, err)
	}
	if _, err := resolveDir(h, "", "rel"); err == nil {
		t.Error("relative path with unknown own cgroup: want an error")
	}
}

func TestNewManagerPaths(t *testing.T) {
	own := map[string]string{"cpu": "/u", "cpuacct": "/u", "memory": "/process_api/abc", "freezer": "/", "": "/u", "name=systemd": "/"}
	l := loadLayout(t, "mountinfo.hybrid")
	m, err := newManager(l, own, "/rt/c1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"cpu":          "/sys/fs/cgroup/cpu/rt/c1",
		"cpuacct":      "/sys/fs/cgroup/cpuacct/rt/c1",
		"memory":       "/sys/fs/cgroup/memory/rt/c1",
		"freezer":      "/sys/fs/cgroup/freezer/rt/c1",
		"":             "/sys/fs/cgroup/unified/rt/c1",
		"name=systemd": "/sys/fs/cgroup/systemd/rt/c1",
	}
	if got := m.Paths(); !reflect.DeepEqual(got, want) {
		t.Fatalf("hybrid paths = %v\nwant %v", got, want)
	}
	if !m.(*fs1Manager).defaultPath {
		t.Error("/rt/c1 should count as the default path")
	}

	m, err = newManager(l, own, "sub")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Paths()["memory"]; got != "/sys/fs/cgroup/memory/process_api/abc/sub" {
		t.Errorf("relative memory path = %q", got)
	}

	v2 := loadLayout(t, "mountinfo.v2")
	m, err = newManager(v2, map[string]string{"": "/system.slice/x.service"}, "ctr")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Paths(); !reflect.DeepEqual(got, map[string]string{"": "/sys/fs/cgroup/system.slice/x.service/ctr"}) {
		t.Fatalf("v2 paths = %v", got)
	}
}

func TestUnifiedAncestors(t *testing.T) {
	u := &unifiedDir{dir: "/sys/fs/cgroup/a/b/c", mount: "/sys/fs/cgroup"}
	want := []string{"/sys/fs/cgroup", "/sys/fs/cgroup/a", "/sys/fs/cgroup/a/b"}
	if got := u.ancestors(); !reflect.DeepEqual(got, want) {
		t.Fatalf("ancestors = %v, want %v", got, want)
	}
	if got := (&unifiedDir{dir: "/sys/fs/cgroup", mount: "/sys/fs/cgroup"}).ancestors(); got != nil {
		t.Fatalf("root has no ancestors, got %v", got)
	}
}

func TestNewSystemd(t *testing.T) {
	if systemdRunning() {
		t.Skip("systemd is running: tests/systemd.sh covers the driver")
	}
	_, err := New(Config{ID: "x", Systemd: true})
	if err != ErrNoSystemd {
		t.Fatalf("err = %v, want %v", err, ErrNoSystemd)
	}
	// A bad cgroupsPath is reported first, whatever the host.
	_, err = New(Config{ID: "x", Path: "/abs/path", Systemd: true})
	if err == nil || !strings.Contains(err.Error(), "linux.cgroupsPath") {
		t.Fatalf("err = %v, want one naming linux.cgroupsPath", err)
	}
}

func TestParseLayoutShadowedMount(t *testing.T) {
	// A tmpfs over the cgroup2 mount (as in a namespace that hides it)
	// leaves plain v1; one over /sys/fs/cgroup hides everything below it.
	base := `22 1 0:21 / / rw - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw
32 31 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
33 31 0:30 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
`
	l, err := parseLayout(strings.NewReader(base + "40 33 0:40 / /sys/fs/cgroup/unified rw - tmpfs none rw\n"))
	if err != nil || l.mode != modeV1 || l.unified != nil || len(l.v1) != 1 {
		t.Fatalf("unified hidden: layout %+v, err %v; want v1 with memory only", l, err)
	}
	l, err = parseLayout(strings.NewReader(base + "41 31 0:41 / /sys/fs/cgroup rw - tmpfs none rw\n" +
		"42 41 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"))
	if err != nil || l.mode != modeV1 || l.unified != nil || len(l.v1) != 1 || l.v1[0].mountpoint != "/sys/fs/cgroup/memory" {
		t.Fatalf("tree hidden and memory remounted: layout %+v, err %v", l, err)
	}
}

func TestParseLayoutMovedMounts(t *testing.T) {
	// The v1 hierarchies were moved (mount --move) onto tmpfs 60, made
	// after them, which was then moved onto /sys/fs/cgroup over the old
	// tmpfs 31: mountinfo lists them before their new parent.
	in := `22 1 0:21 / / rw - ext4 /dev/vda rw
23 22 0:22 / /sys rw - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw
32 60 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
34 60 0:31 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
35 31 0:33 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
60 31 0:40 / /sys/fs/cgroup rw - tmpfs none rw
`
	l, err := parseLayout(strings.NewReader(in))
	if err != nil {
		t.Fatalf("moved mounts: %v", err)
	}
	got := map[string]string{}
	for _, h := range l.v1 {
		got[strings.Join(h.controllers, ",")] = h.mountpoint
	}
	want := map[string]string{"memory": "/sys/fs/cgroup/memory", "cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct"}
	if l.mode != modeV1 || !reflect.DeepEqual(got, want) {
		t.Fatalf("mode %v hierarchies %v, want v1 %v (pids is under the old, covered tmpfs)", l.mode, got, want)
	}
	// A cgroup2 mount stacked on the tmpfs that covers it stays visible.
	l, err = parseLayout(strings.NewReader(in + "61 60 0:41 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"))
	if err != nil || l.mode != modeV2 || len(l.v1) != 0 {
		t.Fatalf("cgroup2 stacked on top: layout %+v, err %v; want v2 only", l, err)
	}
}
