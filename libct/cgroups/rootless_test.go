package cgroups

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestLimitName(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	u64 := func(v uint64) *uint64 { return &v }
	for _, c := range []struct {
		r    *specs.LinuxResources
		want string
	}{
		{nil, ""},
		{&specs.LinuxResources{}, ""},
		// Device rules are no limit: a rootless container ignores them.
		{&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}, ""},
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{}}, ""},
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 20)}}, "memory"},
		{&specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(100)}}, "cpu"},
		{&specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0"}}, "cpu"},
		{&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(10)}}, "pids"},
		{&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1}}}, "hugetlb"},
		{&specs.LinuxResources{Unified: map[string]string{"memory.max": "1"}}, "unified"},
	} {
		if got := limitName(c.r); got != c.want {
			t.Errorf("limitName(%+v) = %q, want %q", c.r, got, c.want)
		}
	}
}

// A rootless container with no cgroupsPath whose cgroup cannot be made
// runs without one: nothing recorded, no limit allowed.
func TestRootlessManagerNone(t *testing.T) {
	m := &rootlessManager{Manager: &fs2Manager{u: &unifiedDir{dir: "/sys/rt-no-such/x", mount: "/sys"}}}
	if err := m.Apply(0); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !m.none || len(m.Paths()) != 0 {
		t.Fatalf("none=%v paths=%v, want no cgroup", m.none, m.Paths())
	}
	if err := m.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Access: "rwm"}}}); err != nil {
		t.Errorf("Set(devices only): %v", err)
	}
	lim := int64(5)
	err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &lim}})
	if err == nil || err.Error() != "cannot set pids limit: container could not join or create cgroup" {
		t.Errorf("Set(pids) = %v", err)
	}
	explicit := &rootlessManager{Manager: &fs2Manager{u: &unifiedDir{dir: "/sys/rt-no-such/x", mount: "/sys"}}, explicit: true}
	if err := explicit.Apply(0); err == nil {
		t.Error("Apply with a cgroupsPath: no error")
	}
}
