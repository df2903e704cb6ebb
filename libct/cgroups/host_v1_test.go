package cgroups

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func requireV1(t *testing.T) *layout {
	l := requireHost(t)
	if l.mode == modeV2 {
		t.Skip("host is cgroup v2")
	}
	return l
}

func TestHostV1Lifecycle(t *testing.T) {
	l := requireV1(t)
	parent := testParent(t, l)
	child := startSleeper(t)
	pid := child.Process.Pid

	m, err := New(Config{Path: parent + "/ctr", ID: "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Exists() {
		t.Fatal("Exists before Apply")
	}
	if err := m.Apply(pid); err != nil {
		t.Fatal(err)
	}
	paths := m.Paths()
	for k, d := range paths {
		if !strings.HasSuffix(d, parent+"/ctr") {
			t.Errorf("path %q = %s", k, d)
		}
		expectPid(t, d, pid)
	}
	if l.mode == modeHybrid {
		if _, ok := paths[""]; !ok {
			t.Fatal("hybrid host: no unified path")
		}
	}
	if !m.Exists() {
		t.Fatal("Exists after Apply")
	}
	wake(t, child)

	r := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: true, Type: "b", Major: i64(254), Minor: i64(0), Access: "r"}},
		Memory: &specs.LinuxMemory{
			Limit: i64(64 << 20), Swap: i64(128 << 20), Reservation: i64(32 << 20),
			Swappiness: u64(10), DisableOOMKiller: boolp(false), UseHierarchy: boolp(true),
			KernelTCP: i64(16 << 20),
		},
		CPU: &specs.LinuxCPU{
			Shares: u64(512), Quota: i64(50000), Period: u64(100000), Burst: u64(1000),
			RealtimePeriod: u64(500000), Cpus: "0", Mems: "0", Idle: i64(0),
		},
		Pids: &specs.LinuxPids{Limit: i64(100)},
	}
	if d := paths["blkio"]; d != "" && fileExists("/sys/dev/block", "254:0") {
		r.BlockIO = &specs.LinuxBlockIO{
			ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 254, Minor: 0}, Rate: 1 << 20}},
		}
		if firstFile(d, "blkio.weight", "blkio.bfq.weight") != "" {
			r.BlockIO.Weight = u16(200)
		}
	}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	check := map[string][][2]string{
		"memory": {
			{"memory.limit_in_bytes", "67108864"},
			{"memory.memsw.limit_in_bytes", "134217728"},
			{"memory.soft_limit_in_bytes", "33554432"},
			{"memory.swappiness", "10"},
			{"memory.kmem.tcp.limit_in_bytes", "16777216"},
		},
		"cpu": {
			{"cpu.shares", "512"}, {"cpu.cfs_quota_us", "50000"}, {"cpu.cfs_period_us", "100000"},
			{"cpu.cfs_burst_us", "1000"}, {"cpu.rt_period_us", "500000"}, {"cpu.idle", "0"},
		},
		"cpuset": {{"cpuset.cpus", "0"}, {"cpuset.mems", "0"}},
		"pids":   {{"pids.max", "100"}},
	}
	for ctrl, files := range check {
		d, ok := paths[ctrl]
		if !ok {
			continue
		}
		for _, f := range files {
			if fileExists(d, f[0]) {
				expectFile(t, d, f[0], f[1])
			}
		}
	}
	if d, ok := paths["devices"]; ok {
		list := readTrim(t, d, "devices.list")
		for _, want := range []string{"b 254:0 r", "c 1:3 rwm", "c 136:* rwm", "c *:* m", "b *:* m"} {
			if !slices.Contains(strings.Split(list, "\n"), want) {
				t.Errorf("devices.list lacks %q:\n%s", want, list)
			}
		}
		if strings.Contains(list, "a *:* rwm") {
			t.Errorf("devices.list still allows everything:\n%s", list)
		}
	}
	if r.BlockIO != nil {
		d := paths["blkio"]
		expectFile(t, d, "blkio.throttle.read_bps_device", "254:0 1048576")
		if r.BlockIO.Weight != nil {
			expectFile(t, d, firstFile(d, "blkio.weight", "blkio.bfq.weight"), "200")
		}
	}

	// Raising limits must write memsw before the memory limit.
	up := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(256 << 20), Swap: i64(512 << 20)}}
	if err := m.Set(up); err != nil {
		t.Fatalf("raise memory: %v", err)
	}
	expectFile(t, paths["memory"], "memory.limit_in_bytes", "268435456")
	expectFile(t, paths["memory"], "memory.memsw.limit_in_bytes", "536870912")
	down := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(48 << 20), Swap: i64(64 << 20)}}
	if err := m.Set(down); err != nil {
		t.Fatalf("lower memory: %v", err)
	}
	expectFile(t, paths["memory"], "memory.memsw.limit_in_bytes", "67108864")

	// Fields the host cannot apply are errors naming the field.
	expectErrContains(t, m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(4096), CheckBeforeUpdate: boolp(true)}}), "below the current usage")
	expectFile(t, paths["memory"], "memory.limit_in_bytes", "50331648")
	expectErrContains(t, m.Set(&specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}}), "linux.resources.unified")
	expectErrContains(t, m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100 << 20), Swap: i64(50 << 20)}}), "linux.resources.memory.swap")
	if _, ok := paths["net_cls"]; !ok {
		expectErrContains(t, m.Set(&specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(0x100001)}}),
			"cgroups: linux.resources.network: net_cls controller is not mounted")
	}
	if _, ok := paths["rdma"]; !ok {
		expectErrContains(t, m.Set(&specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx4_0": {HcaHandles: u32(2)}}}), "linux.resources.rdma: rdma controller")
	}

	// Pause/resume.
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if paused, err := m.State(); err != nil || !paused {
		t.Fatalf("State after Freeze = %v, %v", paused, err)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if paused, err := m.State(); err != nil || paused {
		t.Fatalf("State after Thaw = %v, %v", paused, err)
	}

	pids, err := m.GetPids()
	if err != nil || !slices.Equal(pids, []int{pid}) {
		t.Fatalf("GetPids = %v, %v; want [%d]", pids, err, pid)
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := paths["pids"]; ok && (st.Pids.Current != 1 || st.Pids.Limit != 100) {
		t.Errorf("pids stats = %+v", st.Pids)
	}
	if _, ok := paths["memory"]; ok && (st.Memory.Usage.Limit != 48<<20 || st.Memory.Usage.Usage == 0 || len(st.Memory.Raw) == 0) {
		t.Errorf("memory stats = %+v", st.Memory.Usage)
	}
	if _, ok := paths["cpuset"]; ok && !slices.Equal(st.CPUSet.CPUs, []uint16{0}) {
		t.Errorf("cpuset stats = %+v", st.CPUSet)
	}
	if _, ok := paths["cpuacct"]; ok && st.CPU.Usage.Total == 0 {
		// sleep has run exec at least; a zero total means we read nothing.
		t.Errorf("cpu usage = %+v", st.CPU.Usage)
	}
	if _, err := json.Marshal(st); err != nil {
		t.Fatal(err)
	}

	// A later process rebuilds the manager from the saved paths.
	m2, err := Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	if !m2.Exists() {
		t.Fatal("loaded manager: Exists = false")
	}
	stopSleeper(t, child)
	if err := m2.Destroy(); err != nil {
		t.Fatal(err)
	}
	expectGone(t, paths)
	if m2.Exists() {
		t.Fatal("Exists after Destroy")
	}
}

// TestHostV1HugetlbHybrid checks that on a hybrid host where hugetlb only
// exists on the unified hierarchy, the limit lands there.
func TestHostV1HugetlbHybrid(t *testing.T) {
	l := requireV1(t)
	if l.mode != modeHybrid || l.hierarchyOf("hugetlb") != nil {
		t.Skip("needs a hybrid host with hugetlb on cgroup2")
	}
	root := l.unified.mountpoint
	if !slices.Contains(strings.Fields(readTrim(t, root, "cgroup.controllers")), "hugetlb") {
		t.Skip("hugetlb not on cgroup2")
	}
	if !fileExists("/sys/kernel/mm/hugepages", "hugepages-2048kB") {
		t.Skip("no 2MB pages")
	}
	// Enabling hugetlb at the unified root is a host-wide change; undo it.
	if !slices.Contains(strings.Fields(readTrim(t, root, "cgroup.subtree_control")), "hugetlb") {
		t.Cleanup(func() {
			if err := writeFile(root, "cgroup.subtree_control", "-hugetlb"); err != nil {
				t.Errorf("restore %s: %v", root, err)
			}
		})
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
	r := &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 8 << 20}}}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	u := m.Paths()[""]
	expectFile(t, u, "hugetlb.2MB.max", "8388608")
	if fileExists(u, "hugetlb.2MB.rsvd.max") {
		expectFile(t, u, "hugetlb.2MB.rsvd.max", "8388608")
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Hugetlb["2MB"]; !ok {
		t.Errorf("hugetlb stats lack 2MB: %+v", st.Hugetlb)
	}
	expectErrContains(t, m.Set(&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 1}}}), "linux.resources.hugepageLimits")
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	expectGone(t, m.Paths())
}

// TestHostDefaultPath checks /rt/<id> and that Destroy drops an empty /rt.
func TestHostDefaultPath(t *testing.T) {
	l := requireHost(t)
	id := filepath.Base(testParent(t, l))
	m, err := New(Config{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	var parents []string
	for _, d := range m.Paths() {
		if filepath.Base(d) != id || filepath.Base(filepath.Dir(d)) != "rt" {
			t.Fatalf("default path %s is not .../rt/%s", d, id)
		}
		if _, err := os.Stat(filepath.Dir(d)); os.IsNotExist(err) {
			parents = append(parents, filepath.Dir(d))
		}
	}
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	expectGone(t, m.Paths())
	for _, p := range parents {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s was created by the test but not removed", p)
		}
	}
}
