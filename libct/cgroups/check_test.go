package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func cgFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A v2 tree: the root offers memory, pids and rdma; /busy holds a process
// and passes on only pids; /free holds none and passes on nothing.
func TestV2Lacks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the write checks differ without root")
	}
	mnt := t.TempDir()
	cgFile(t, mnt, "cgroup.controllers", "memory pids rdma\n")
	cgFile(t, mnt, "cgroup.subtree_control", "memory pids\n")
	busy := filepath.Join(mnt, "busy")
	cgFile(t, busy, "cgroup.controllers", "memory pids\n")
	cgFile(t, busy, "cgroup.subtree_control", "pids\n")
	cgFile(t, busy, "cgroup.procs", "42\n")
	free := filepath.Join(mnt, "free")
	cgFile(t, free, "cgroup.controllers", "memory pids\n")
	cgFile(t, free, "cgroup.subtree_control", "")
	cgFile(t, free, "cgroup.procs", "")
	for _, c := range []struct {
		dir, ctrl, want string
	}{
		{"busy/ct", "pids", ""},
		{"busy/ct", "memory", "holds processes"},
		{"free/ct", "memory", ""},
		{"new/ct", "memory", ""},
		{"new/ct", "rdma", ""},
		{"busy/ct", "io", "offers no io controller"},
	} {
		u := &unifiedDir{dir: filepath.Join(mnt, c.dir), mount: mnt}
		got := v2Lacks(u, c.ctrl)
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s %s: %q, want %q", c.dir, c.ctrl, got, c.want)
		}
	}
}

func TestNeeds(t *testing.T) {
	lim := int64(10)
	r := &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: &lim},
		CPU:     &specs.LinuxCPU{Cpus: "0"},
		BlockIO: &specs.LinuxBlockIO{},
		Unified: map[string]string{"io.max": "x", "cgroup.procs": "1"},
	}
	var got []string
	for _, n := range needs(r, true) {
		got = append(got, n.field+"="+n.ctrl)
	}
	if want := `memory=memory cpu.cpus=cpuset unified["io.max"]=io`; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
}

func TestLackingV1(t *testing.T) {
	m := &fs1Manager{paths: map[string]string{"memory": "/x"}, layout: &layout{mode: modeV1}}
	lim := int64(5)
	cls := uint32(1)
	got := Lacking(m, &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: &lim},
		Pids:    &specs.LinuxPids{Limit: &lim},
		Network: &specs.LinuxNetwork{ClassID: &cls},
		Unified: map[string]string{"pids.max": "1"},
	})
	var lines []string
	for _, l := range got {
		lines = append(lines, l.Field+": "+l.Why)
	}
	want := []string{
		"linux.resources.pids: the pids controller is not mounted (cgroup v1)",
		"linux.resources.network.classID: the net_cls controller is not mounted (cgroup v1)",
		`linux.resources.unified["pids.max"]: invalid configuration: only supported on cgroup v2 (this host is v1)`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s", strings.Join(lines, "\n"))
	}
}

func TestNeedsSkipsUnset(t *testing.T) {
	zero := uint16(0)
	if n := needs(&specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: &zero}}, true); len(n) != 0 {
		t.Errorf("weight 0 needs %v", n)
	}
}
