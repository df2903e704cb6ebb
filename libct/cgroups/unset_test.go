package cgroups

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// resourcesJSON decodes a linux.resources block as an engine writes it.
func resourcesJSON(t *testing.T, s string) *specs.LinuxResources {
	t.Helper()
	var r specs.LinuxResources
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// normalized is Normalize's result as JSON, the easiest form to compare.
func normalized(t *testing.T, r *specs.LinuxResources) string {
	t.Helper()
	b, err := json.Marshal(Normalize(r))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNormalizeFields goes through every field: the value runc reads as
// unset disappears, the smallest real value stays.
func TestNormalizeFields(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"memory.limit 0", `{"memory": {"limit": 0}}`, `{}`},
		{"memory.limit -1", `{"memory": {"limit": -1}}`, `{"memory":{"limit":-1}}`},
		{"memory.reservation 0", `{"memory": {"reservation": 0}}`, `{}`},
		{"memory.reservation 1", `{"memory": {"reservation": 1}}`, `{"memory":{"reservation":1}}`},
		{"memory.swap 0", `{"memory": {"swap": 0}}`, `{}`},
		{"memory.swap -1", `{"memory": {"swap": -1}}`, `{"memory":{"swap":-1}}`},
		{"memory.kernel 0", `{"memory": {"kernel": 0, "kernelTCP": 0}}`, `{}`},
		{"memory.kernel 1", `{"memory": {"kernel": 1, "kernelTCP": 2}}`, `{"memory":{"kernel":1,"kernelTCP":2}}`},
		{"memory.swappiness 0", `{"memory": {"swappiness": 0}}`, `{"memory":{"swappiness":0}}`},
		{"memory.swappiness -1", `{"memory": {"swappiness": 18446744073709551615}}`, `{}`},
		{"memory.swappiness 101 (an error later)", `{"memory": {"swappiness": 101}}`, `{"memory":{"swappiness":101}}`},
		{"memory.disableOOMKiller false", `{"memory": {"disableOOMKiller": false}}`, `{}`},
		{"memory.disableOOMKiller true", `{"memory": {"disableOOMKiller": true}}`, `{"memory":{"disableOOMKiller":true}}`},
		{"memory.checkBeforeUpdate false", `{"memory": {"checkBeforeUpdate": false}}`, `{}`},
		{"memory.checkBeforeUpdate true", `{"memory": {"checkBeforeUpdate": true}}`, `{"memory":{"checkBeforeUpdate":true}}`},
		{"memory.useHierarchy false stays", `{"memory": {"useHierarchy": false}}`, `{"memory":{"useHierarchy":false}}`},
		{"cpu.shares 0", `{"cpu": {"shares": 0}}`, `{}`},
		{"cpu.shares 2", `{"cpu": {"shares": 2}}`, `{"cpu":{"shares":2}}`},
		{"cpu.quota 0", `{"cpu": {"quota": 0}}`, `{}`},
		{"cpu.quota -1", `{"cpu": {"quota": -1}}`, `{"cpu":{"quota":-1}}`},
		{"cpu.period 0", `{"cpu": {"period": 0}}`, `{}`},
		{"cpu.period 100000", `{"cpu": {"period": 100000}}`, `{"cpu":{"period":100000}}`},
		{"cpu.burst 0 is a value", `{"cpu": {"burst": 0}}`, `{"cpu":{"burst":0}}`},
		{"cpu.realtime 0", `{"cpu": {"realtimeRuntime": 0, "realtimePeriod": 0}}`, `{}`},
		{"cpu.realtime set", `{"cpu": {"realtimeRuntime": -1, "realtimePeriod": 1}}`, `{"cpu":{"realtimeRuntime":-1,"realtimePeriod":1}}`},
		{"cpu.cpus/mems empty", `{"cpu": {"cpus": "", "mems": ""}}`, `{}`},
		{"cpu.cpus/mems", `{"cpu": {"cpus": "0", "mems": "0"}}`, `{"cpu":{"cpus":"0","mems":"0"}}`},
		{"cpu.idle 0 is a value", `{"cpu": {"idle": 0}}`, `{"cpu":{"idle":0}}`},
		{"pids without a limit", `{"pids": {}}`, `{}`},
		{"pids 0 is a value (1)", `{"pids": {"limit": 0}}`, `{"pids":{"limit":0}}`},
		{"pids -2 is a value (max)", `{"pids": {"limit": -2}}`, `{"pids":{"limit":-2}}`},
		{"blockIO.weight 0", `{"blockIO": {"weight": 0}}`, `{}`},
		{"blockIO.weight 10", `{"blockIO": {"weight": 10}}`, `{"blockIO":{"weight":10}}`},
		{"blockIO.leafWeight 0", `{"blockIO": {"leafWeight": 0}}`, `{}`},
		{"blockIO.weightDevice zeros", `{"blockIO": {"weightDevice": [{"major": 8, "minor": 0, "weight": 0, "leafWeight": 0}]}}`, `{}`},
		{"blockIO.weightDevice weight", `{"blockIO": {"weightDevice": [{"major": 8, "minor": 0, "weight": 20, "leafWeight": 0}]}}`,
			`{"blockIO":{"weightDevice":[{"major":8,"minor":0,"weight":20}]}}`},
		{"blockIO.throttle rate 0 removes a throttle", `{"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 0}]}}`,
			`{"blockIO":{"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":0}]}}`},
		{"hugepageLimits 0 is a value", `{"hugepageLimits": [{"pageSize": "2MB", "limit": 0}]}`, `{"hugepageLimits":[{"pageSize":"2MB","limit":0}]}`},
		{"rdma without limits", `{"rdma": {"mlx5_0": {}}}`, `{}`},
		{"rdma limit", `{"rdma": {"mlx5_0": {"hcaHandles": 0}}}`, `{"rdma":{"mlx5_0":{"hcaHandles":0}}}`},
		{"network.classID 0", `{"network": {"classID": 0}}`, `{}`},
		{"network.priorities", `{"network": {"classID": 0, "priorities": [{"name": "lo", "priority": 0}]}}`, `{"network":{"priorities":[{"name":"lo","priority":0}]}}`},
		{"unified empty", `{"unified": {}}`, `{}`},
		{"unified", `{"unified": {"memory.high": "max"}}`, `{"unified":{"memory.high":"max"}}`},
		{"devices stay", `{"devices": [{"allow": false, "access": "rwm"}]}`, `{"devices":[{"allow":false,"access":"rwm"}]}`},
	}
	for _, c := range cases {
		if got := normalized(t, resourcesJSON(t, c.in)); got != c.want {
			t.Errorf("%s: Normalize(%s) = %s, want %s", c.name, c.in, got, c.want)
		}
	}
	if got := normalized(t, nil); got != `{}` {
		t.Errorf("Normalize(nil) = %s", got)
	}
}

// What the engines send, from their spec generators.
const (
	// Docker 20.10 (daemon/oci_linux.go WithResources, daemon_unix.go):
	// every run, with no resource flags.
	docker2010Run = `{"devices": [{"allow": false, "access": "rwm"}],
		"memory": {"disableOOMKiller": false}, "cpu": {"shares": 0}, "blockIO": {"weight": 0}}`
	// Docker 20.10 `docker update --memory 128m` (daemon/update_linux.go
	// toContainerdResources): zeros for everything else.
	docker2010Update = `{"memory": {"limit": 134217728, "reservation": 0, "kernel": 0},
		"cpu": {"shares": 0, "quota": 0, "period": 0}, "blockIO": {"weight": 0}}`
	// containerd's CRI for a Burstable pod container (WithResources:
	// only non-zero values) and its UpdateContainerResources, which sends
	// the whole block again.
	criContainer = `{"devices": [{"allow": false, "access": "rwm"}],
		"memory": {"limit": 268435456}, "cpu": {"shares": 256, "quota": 50000, "period": 100000},
		"hugepageLimits": [{"pageSize": "2MB", "limit": 0}]}`
	// Podman's default (containers.conf pids_limit), swappiness and the
	// OOM killer only when asked for.
	podmanRun = `{"devices": [{"allow": false, "access": "rwm"}], "pids": {"limit": 2048}}`
)

func TestNormalizeEngines(t *testing.T) {
	for in, want := range map[string]string{
		docker2010Run:    `{"devices":[{"allow":false,"access":"rwm"}]}`,
		docker2010Update: `{"memory":{"limit":134217728}}`,
		criContainer:     `{"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":268435456},"cpu":{"shares":256,"quota":50000,"period":100000},"hugepageLimits":[{"pageSize":"2MB","limit":0}]}`,
		podmanRun:        `{"devices":[{"allow":false,"access":"rwm"}],"pids":{"limit":2048}}`,
	} {
		if got := normalized(t, resourcesJSON(t, in)); got != want {
			t.Errorf("Normalize(%s)\n = %s\nwant %s", in, got, want)
		}
	}
}

func TestNormalizeKeepsInput(t *testing.T) {
	r := resourcesJSON(t, docker2010Update)
	r.BlockIO.WeightDevice = []specs.LinuxWeightDevice{{Weight: u16(0), LeafWeight: u16(30)}}
	before, _ := json.Marshal(r)
	_ = Normalize(r)
	after, _ := json.Marshal(r)
	if string(before) != string(after) {
		t.Errorf("Normalize changed its input:\n%s\n%s", before, after)
	}
}

// fakeDir makes a directory of control files, each holding "untouched".
func fakeDir(t *testing.T, dir string, files ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("untouched"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// written lists "file=value" for every control file of dir something was
// written to (cgroup.* are the fake's own).
func written(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != "untouched" && !strings.HasPrefix(e.Name(), "cgroup.") {
			out = append(out, e.Name()+"="+string(b))
		}
	}
	return out
}

// fakeV1 is an fs1Manager over plain files, one directory per
// controller, with the files of a kernel without BFQ (Docker's failure).
func fakeV1(t *testing.T) (*fs1Manager, string) {
	t.Helper()
	root := t.TempDir()
	files := map[string][]string{
		"memory": {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.swappiness",
			"memory.oom_control", "memory.kmem.limit_in_bytes", "memory.kmem.tcp.limit_in_bytes", "memory.use_hierarchy", "memory.usage_in_bytes"},
		"cpu":     {"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.cfs_burst_us", "cpu.rt_runtime_us", "cpu.rt_period_us", "cpu.idle"},
		"cpuset":  {"cpuset.cpus", "cpuset.mems"},
		"pids":    {"pids.max"},
		"blkio":   {"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"},
		"net_cls": {"net_cls.classid"},
	}
	m := &fs1Manager{paths: map[string]string{}, layout: &layout{mode: modeV1}}
	for ctrl, fs := range files {
		d := filepath.Join(root, ctrl)
		fakeDir(t, d, fs...)
		m.paths[ctrl] = d
	}
	// setMemoryLimits reads the current limit.
	if err := os.WriteFile(filepath.Join(root, "memory", "memory.limit_in_bytes"), []byte("9223372036854771712\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return m, root
}

// writtenV1 lists what Set wrote across the fake controllers.
func writtenV1(t *testing.T, root string) []string {
	var out []string
	for _, ctrl := range []string{"blkio", "cpu", "cpuset", "memory", "net_cls", "pids"} {
		for _, w := range written(t, filepath.Join(root, ctrl)) {
			if w != "memory.limit_in_bytes=9223372036854771712\n" {
				out = append(out, w)
			}
		}
	}
	return out
}

func TestSetV1WritesOnlyWhatIsSet(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
	}{
		{"docker 20.10 run", docker2010Run, nil},
		{"docker 20.10 update", docker2010Update, []string{"memory.limit_in_bytes=134217728"}},
		{"zeros everywhere", `{"memory": {"limit": 0, "reservation": 0, "swap": 0, "kernel": 0, "kernelTCP": 0,
			"swappiness": 18446744073709551615, "disableOOMKiller": false, "checkBeforeUpdate": false},
			"cpu": {"shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0, "realtimePeriod": 0, "cpus": "", "mems": ""},
			"blockIO": {"weight": 0, "leafWeight": 0, "weightDevice": [{"major": 8, "minor": 0, "weight": 0}]},
			"network": {"classID": 0}, "rdma": {"mlx5_0": {}}, "unified": {}}`, nil},
		{"values that mean something", `{"memory": {"swappiness": 0, "disableOOMKiller": true},
			"cpu": {"quota": -5, "burst": 0, "idle": 0},
			"pids": {"limit": 0}, "network": {"classID": 1048577},
			"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 0}]}}`,
			[]string{"blkio.throttle.read_bps_device=8:0 0", "cpu.cfs_burst_us=0", "cpu.cfs_quota_us=-1", "cpu.idle=0",
				"memory.oom_control=1", "memory.swappiness=0", "net_cls.classid=1048577", "pids.max=1"}},
	}
	for _, c := range cases {
		m, root := fakeV1(t)
		if err := m.set(nil, resourcesJSON(t, c.in), false); err != nil {
			t.Errorf("%s: Set: %v", c.name, err)
			continue
		}
		if got := writtenV1(t, root); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: wrote %q, want %q", c.name, got, c.want)
		}
	}
	// A real weight still needs a weight file: the error names the field.
	m, _ := fakeV1(t)
	err := m.set(nil, resourcesJSON(t, `{"blockIO": {"weight": 500}}`), false)
	if err == nil || !strings.Contains(err.Error(), "linux.resources.blockIO.weight") {
		t.Errorf("weight 500 without blkio.weight: %v", err)
	}
}

// fakeV2 is a pure v2 cgroup over plain files with every controller on.
func fakeV2(t *testing.T, files ...string) *unifiedDir {
	t.Helper()
	mount := t.TempDir()
	u := &unifiedDir{dir: filepath.Join(mount, "ct"), mount: mount}
	ctrls := "cpu cpuset io memory pids hugetlb rdma"
	for _, d := range []string{mount, u.dir} {
		fakeDir(t, d)
		for f, v := range map[string]string{"cgroup.controllers": ctrls, "cgroup.subtree_control": ctrls} {
			if err := os.WriteFile(filepath.Join(d, f), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	fakeDir(t, u.dir, files...)
	return u
}

func TestSetV2WritesOnlyWhatIsSet(t *testing.T) {
	files := []string{"memory.max", "memory.low", "memory.swap.max", "cpu.weight", "cpu.max", "cpu.max.burst", "cpu.idle",
		"cpuset.cpus", "cpuset.mems", "pids.max", "io.weight", "io.max"}
	cases := []struct {
		name, in string
		want     []string
	}{
		{"docker 20.10 run", docker2010Run, nil},
		{"docker 20.10 update", docker2010Update, []string{"memory.max=134217728"}},
		{"zeros everywhere", `{"memory": {"limit": 0, "reservation": 0, "swap": 0, "kernel": 0,
			"swappiness": 18446744073709551615, "disableOOMKiller": false},
			"cpu": {"shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0, "realtimePeriod": 0},
			"blockIO": {"weight": 0, "leafWeight": 0}, "network": {"classID": 0}, "unified": {}}`, nil},
		{"values that mean something", `{"memory": {"limit": -1}, "cpu": {"shares": 2, "quota": -5, "burst": 0},
			"pids": {"limit": -2}, "blockIO": {"weight": 10}}`,
			[]string{"cpu.max=max", "cpu.max.burst=0", "cpu.weight=1", "io.weight=default 1", "memory.max=max", "memory.swap.max=max", "pids.max=max"}},
		{"memory = memory+swap: no swap", `{"memory": {"limit": 1048576, "swap": 1048576}}`,
			[]string{"memory.max=1048576", "memory.swap.max=0"}},
		{"unlimited memory, memory+swap 1M", `{"memory": {"limit": -1, "swap": 1048576}}`,
			[]string{"memory.max=max", "memory.swap.max=1048576"}},
	}
	for _, c := range cases {
		u := fakeV2(t, files...)
		if err := setV2(nil, u, resourcesJSON(t, c.in), false); err != nil {
			t.Errorf("%s: set: %v", c.name, err)
			continue
		}
		if got := written(t, u.dir); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: wrote %q, want %q", c.name, got, c.want)
		}
	}
	// No swap accounting: "no swap" and "unlimited swap" need no file.
	for _, in := range []string{`{"memory": {"limit": 1048576, "swap": 1048576}}`, `{"memory": {"limit": -1}}`} {
		u := fakeV2(t, "memory.max")
		if err := setV2(nil, u, resourcesJSON(t, in), false); err != nil {
			t.Errorf("%s without memory.swap.max: %v", in, err)
		}
	}
	u := fakeV2(t, "memory.max")
	if err := setV2(nil, u, resourcesJSON(t, `{"memory": {"limit": 1048576, "swap": 2097152}}`), false); err == nil {
		t.Error("a swap limit without memory.swap.max: want an error")
	}
	// A burst on a kernel without one is an error; no burst is not.
	u = fakeV2(t, "cpu.max")
	if err := setV2(nil, u, resourcesJSON(t, `{"cpu": {"burst": 0}}`), false); err != nil {
		t.Errorf("burst 0 without cpu.max.burst: %v", err)
	}
	if err := setV2(nil, u, resourcesJSON(t, `{"cpu": {"burst": 1000}}`), false); err == nil {
		t.Error("burst 1000 without cpu.max.burst: want an error")
	}
}

func TestPropertiesSkipUnset(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		for _, in := range []string{docker2010Run, `{"memory": {"reservation": 0, "swap": 0}, "cpu": {"period": 0, "quota": 0}}`} {
			if p := resourceProperties(resourcesJSON(t, in), v2, 252); len(p) != 0 {
				t.Errorf("v2=%v %s: properties %v", v2, in, propMap(t, p))
			}
		}
		got := propMap(t, resourceProperties(resourcesJSON(t, docker2010Update), v2, 252))
		name := map[bool]string{false: "MemoryLimit", true: "MemoryMax"}[v2]
		if want := map[string]any{name: uint64(134217728)}; !reflect.DeepEqual(got, want) {
			t.Errorf("v2=%v docker update: %v, want %v", v2, got, want)
		}
	}
	if limitName(resourcesJSON(t, docker2010Run)) != "" {
		t.Error("Docker's default block asks for no limit (rootless without a cgroup runs it)")
	}
	if got := limitName(resourcesJSON(t, podmanRun)); got != "pids" {
		t.Errorf("limitName(podman) = %q", got)
	}
}
