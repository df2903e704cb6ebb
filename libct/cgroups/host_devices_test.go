package cgroups

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// blockDevice finds some block device node to test access to.
func blockDevice(t *testing.T) (string, int64, int64) {
	for _, p := range []string{"/dev/loop0", "/dev/zram0", "/dev/vda", "/dev/sda", "/dev/vdb"} {
		var st unix.Stat_t
		if unix.Stat(p, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK {
			continue
		}
		// Only a node this process may open at all tells us anything
		// about the filter (the host may deny some, e.g. its root disk).
		fd, err := unix.Open(p, unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		unix.Close(fd)
		return p, int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	}
	t.Skip("no block device node to test with")
	return "", 0, 0
}

// shellIn runs a shell snippet as a new process born in the cgroup dir
// (CLONE_INTO_CGROUP) and reports whether it succeeded.
func shellIn(t *testing.T, dir, script string) bool {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run %q: %v", script, err)
	}
	t.Logf("%q: err=%v %s", script, err, out)
	return err == nil
}

func attachedCount(t *testing.T, dir string) int {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	q, err := link.QueryPrograms(link.QueryOptions{Target: fd, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		t.Fatal(err)
	}
	return len(q.Programs)
}

// TestHostDevicesV2Filter loads the eBPF device filter into a cgroup of the
// unified hierarchy (pure v2, or the cgroup2 mount of a hybrid host) and
// checks real open(2) calls against it.
func TestHostDevicesV2Filter(t *testing.T) {
	l := requireHost(t)
	if l.unified == nil {
		t.Skip("no cgroup2 mount")
	}
	dev, major, minor := blockDevice(t)
	parent := testParent(t, l)
	dir := filepath.Join(l.unified.mountpoint, parent, "dev")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	readDev := fmt.Sprintf("exec 3< %s", dev)
	rwDev := fmt.Sprintf("exec 3<> %s", dev)

	rules, err := deviceRules(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := setDevicesV2(dir, rules); err != nil {
		t.Fatal(err)
	}
	if !shellIn(t, dir, "echo x > /dev/null && head -c1 /dev/zero >/dev/null") {
		t.Error("default rules: /dev/null or /dev/zero denied")
	}
	if shellIn(t, dir, readDev) {
		t.Errorf("default rules: %s readable", dev)
	}

	allowRead := []specs.LinuxDeviceCgroup{{Allow: true, Type: "b", Major: &major, Minor: &minor, Access: "r"}}
	if rules, err = deviceRules(allowRead); err != nil {
		t.Fatal(err)
	}
	if err := setDevicesV2(dir, rules); err != nil {
		t.Fatal(err)
	}
	if n := attachedCount(t, dir); n != 1 {
		t.Errorf("%d programs attached after update, want 1", n)
	}
	if !shellIn(t, dir, readDev) {
		t.Errorf("allow b %d:%d r: read denied", major, minor)
	}
	if shellIn(t, dir, rwDev) {
		t.Errorf("allow b %d:%d r: read-write allowed", major, minor)
	}

	// A later deny overrides an earlier allow-all.
	denyOne := []specs.LinuxDeviceCgroup{
		{Allow: true, Access: "rwm"},
		{Allow: false, Type: "b", Major: &major, Minor: &minor, Access: "rwm"},
	}
	if rules, err = deviceRules(denyOne); err != nil {
		t.Fatal(err)
	}
	if err := setDevicesV2(dir, rules); err != nil {
		t.Fatal(err)
	}
	if shellIn(t, dir, readDev) {
		t.Errorf("deny b %d:%d after allow all: read allowed", major, minor)
	}
	if !shellIn(t, dir, "exec 3< /dev/zero") {
		t.Error("allow all: /dev/zero denied")
	}
}
