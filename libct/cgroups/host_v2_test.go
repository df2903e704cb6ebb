package cgroups

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestHostV2Lifecycle runs on a pure cgroup v2 host (the test VM).
func TestHostV2Lifecycle(t *testing.T) {
	l := requireHost(t)
	if l.mode != modeV2 {
		t.Skip("host is not pure cgroup v2")
	}
	if !IsV2() {
		t.Fatal("IsV2 = false on a v2 layout")
	}
	parent := testParent(t, l)
	child := startSleeper(t)
	pid := child.Process.Pid

	m, err := New(Config{Path: parent + "/ctr"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(pid); err != nil {
		t.Fatal(err)
	}
	paths := m.Paths()
	d := paths[""]
	if len(paths) != 1 || d != filepath.Join(l.unified.mountpoint, parent, "ctr") {
		t.Fatalf("paths = %v", paths)
	}
	expectPid(t, d, pid)
	wake(t, child)
	ctrls := strings.Fields(readTrim(t, d, "cgroup.controllers"))
	for _, c := range []string{"cpu", "memory", "pids"} {
		if !slices.Contains(ctrls, c) {
			t.Fatalf("leaf controllers %v lack %s: ancestors were not enabled", ctrls, c)
		}
	}

	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(64 << 20), Swap: i64(96 << 20), Reservation: i64(16 << 20), Swappiness: u64(10)},
		CPU:    &specs.LinuxCPU{Shares: u64(1024), Quota: i64(50000), Period: u64(100000), Burst: u64(1000), Cpus: "0", Mems: "0"},
		Pids:   &specs.LinuxPids{Limit: i64(-1)},
		Unified: map[string]string{
			"memory.high": "50331648",
			"pids.max":    "100", // unified wins over linux.resources.pids
		},
	}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	expectFile(t, d, "memory.max", "67108864")
	if fileExists(d, "memory.swap.max") {
		expectFile(t, d, "memory.swap.max", "33554432")
	}
	expectFile(t, d, "memory.low", "16777216")
	expectFile(t, d, "memory.high", "50331648")
	expectFile(t, d, "cpu.weight", "100")
	expectFile(t, d, "cpu.max", "50000 100000")
	if fileExists(d, "cpu.max.burst") {
		expectFile(t, d, "cpu.max.burst", "1000")
	}
	expectFile(t, d, "cpuset.cpus", "0")
	expectFile(t, d, "cpuset.mems", "0")
	expectFile(t, d, "pids.max", "100")

	if slices.Contains(ctrls, "io") && firstFile(d, "io.bfq.weight", "io.weight") != "" {
		if err := m.Set(&specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(100)}}); err != nil {
			t.Fatal(err)
		}
		if f := firstFile(d, "io.bfq.weight", "io.weight"); f == "io.bfq.weight" {
			expectFile(t, d, f, "default 100")
		} else {
			expectFile(t, d, f, "default 910")
		}
	}

	// Updates: unlimited memory and swap, shares conversion.
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}, CPU: &specs.LinuxCPU{Shares: u64(2), Quota: i64(-1)}}); err != nil {
		t.Fatal(err)
	}
	expectFile(t, d, "memory.max", "max")
	if fileExists(d, "memory.swap.max") {
		expectFile(t, d, "memory.swap.max", "max")
	}
	expectFile(t, d, "cpu.weight", "1")
	expectFile(t, d, "cpu.max", "max 100000")

	// Errors name the field.
	expectErrContains(t, m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(4096), CheckBeforeUpdate: boolp(true)}}), "below the current usage")
	expectErrContains(t, m.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: i64(1000)}}), "linux.resources.cpu.realtimeRuntime")
	expectErrContains(t, m.Set(&specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(1)}}), "linux.resources.network")
	expectErrContains(t, m.Set(&specs.LinuxResources{Unified: map[string]string{"../x.max": "1"}}), "linux.resources.unified")
	expectErrContains(t, m.Set(&specs.LinuxResources{Unified: map[string]string{"memory.nonexistent": "1"}}), "does not exist")
	expectErrContains(t, m.Set(&specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{LeafWeight: u16(10)}}), "linux.resources.blockIO.leafWeight")

	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if paused, err := m.State(); err != nil || !paused {
		t.Fatalf("State after Freeze = %v, %v", paused, err)
	}
	if !strings.Contains(readTrim(t, d, "cgroup.events"), "frozen 1") {
		t.Fatal("cgroup.events does not say frozen 1")
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if paused, err := m.State(); err != nil || paused {
		t.Fatalf("State after Thaw = %v, %v", paused, err)
	}

	pids, err := m.GetPids()
	if err != nil || !slices.Equal(pids, []int{pid}) {
		t.Fatalf("GetPids = %v, %v", pids, err)
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Pids.Current != 1 || st.Pids.Limit != 100 || st.Memory.Usage.Usage == 0 || st.CPU.Usage.Total == 0 || !slices.Equal(st.CPUSet.CPUs, []uint16{0}) {
		t.Errorf("stats = %+v", st)
	}
	if _, err := json.Marshal(st); err != nil {
		t.Fatal(err)
	}

	m2, err := Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	stopSleeper(t, child)
	if err := m2.Destroy(); err != nil {
		t.Fatal(err)
	}
	expectGone(t, paths)
}

// TestHostV2Hugetlb needs hugetlb in the v2 root.
func TestHostV2Hugetlb(t *testing.T) {
	l := requireHost(t)
	if l.mode != modeV2 {
		t.Skip("host is not pure cgroup v2")
	}
	if !slices.Contains(strings.Fields(readTrim(t, l.unified.mountpoint, "cgroup.controllers")), "hugetlb") || !fileExists("/sys/kernel/mm/hugepages", "hugepages-2048kB") {
		t.Skip("no hugetlb controller or no 2MB pages")
	}
	parent := testParent(t, l)
	m, err := New(Config{Path: parent + "/ctr"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	defer m.Destroy()
	if err := m.Set(&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}}); err != nil {
		t.Fatal(err)
	}
	expectFile(t, m.Paths()[""], "hugetlb.2MB.max", "4194304")
}
