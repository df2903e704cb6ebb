package cgroups

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSystemdUnit(t *testing.T) {
	for _, tc := range []struct {
		path, slice, unit string
	}{
		{"", "system.slice", "rt-ct1.scope"},
		{"system.slice:rt-test:c1", "system.slice", "rt-test-c1.scope"},
		{":libpod:abc", "system.slice", "libpod-abc.scope"},
		{"machine.slice::abc", "machine.slice", "abc.scope"},
		{"user-1000.slice:p:n", "user-1000.slice", "p-n.scope"},
		{"system.slice:p:rt-pod.slice", "system.slice", "rt-pod.slice"},
	} {
		slice, unit, err := systemdUnit(tc.path, "ct1")
		if err != nil || slice != tc.slice || unit != tc.unit {
			t.Errorf("systemdUnit(%q) = %q, %q, %v; want %q, %q", tc.path, slice, unit, err, tc.slice, tc.unit)
		}
	}
	for _, p := range []string{
		"/rt/ct", "rel/ct", "a:b", "system.slice:a:b:c", "system:p:n", "system.slice:p:",
		"a--b.slice:p:n", "system.slice:p:a+b", "system.slice:p:-.slice", "system.slice:p:x/y",
	} {
		_, _, err := systemdUnit(p, "ct1")
		if err == nil {
			t.Errorf("systemdUnit(%q): no error", p)
			continue
		}
		if !strings.Contains(err.Error(), "linux.cgroupsPath") || strings.Contains(err.Error(), "\n") {
			t.Errorf("systemdUnit(%q): error %q should be one line naming linux.cgroupsPath", p, err)
		}
	}
	// An id systemd cannot take in a unit name fails at create, not later.
	if _, _, err := systemdUnit("", "a+b"); err == nil {
		t.Error("systemdUnit with id a+b: no error")
	}
}

func TestExpandSlice(t *testing.T) {
	for in, want := range map[string]string{
		"system.slice":    "/system.slice",
		"a-b-c.slice":     "/a.slice/a-b.slice/a-b-c.slice",
		"user-1000.slice": "/user.slice/user-1000.slice",
		"-.slice":         "/",
	} {
		if got, err := expandSlice(in); err != nil || got != want {
			t.Errorf("expandSlice(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", ".slice", "system", "a--b.slice", "-a.slice", "a-.slice", "a/b.slice"} {
		if got, err := expandSlice(in); err == nil {
			t.Errorf("expandSlice(%q) = %q, want an error", in, got)
		}
	}
}

func TestUnitCgroup(t *testing.T) {
	for _, tc := range []struct{ slice, unit, want string }{
		{"system.slice", "rt-x.scope", "/system.slice/rt-x.scope"},
		{"machine-pod.slice", "rt-x.scope", "/machine.slice/machine-pod.slice/rt-x.scope"},
		{"-.slice", "x.scope", "/x.scope"},
		// A slice's place comes from its name, not from the parent given.
		{"system.slice", "a-b.slice", "/a.slice/a-b.slice"},
	} {
		if got, err := unitCgroup(tc.slice, tc.unit); err != nil || got != tc.want {
			t.Errorf("unitCgroup(%q, %q) = %q, %v; want %q", tc.slice, tc.unit, got, err, tc.want)
		}
	}
}

func TestCpusetMask(t *testing.T) {
	for in, want := range map[string][]byte{
		"0":       {0x01},
		"0-2,7":   {0x87},
		"8":       {0x00, 0x01},
		"1,3-4\n": {0x1a},
		"0-15":    {0xff, 0xff},
	} {
		if got, err := cpusetMask(in); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("cpusetMask(%q) = %x, %v; want %x", in, got, err, want)
		}
	}
	for _, in := range []string{"", "3-1", "a", "1-", "-1", "70000"} {
		if got, err := cpusetMask(in); err == nil {
			t.Errorf("cpusetMask(%q) = %x, want an error", in, got)
		}
	}
}

// propMap turns properties into name -> value, failing on duplicates.
func propMap(t *testing.T, props []sdbus.Property) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, p := range props {
		if _, dup := out[p.Name]; dup {
			t.Errorf("property %s given twice", p.Name)
		}
		out[p.Name] = p.Value.Value()
	}
	return out
}

func testResources() *specs.LinuxResources {
	return &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: i64(64 << 20), Swap: i64(96 << 20), Reservation: i64(32 << 20)},
		CPU:     &specs.LinuxCPU{Shares: u64(512), Quota: i64(50000), Period: u64(100000), Cpus: "0-1", Mems: "0"},
		Pids:    &specs.LinuxPids{Limit: i64(33)},
		BlockIO: &specs.LinuxBlockIO{Weight: u16(500)},
	}
}

func TestResourcePropertiesV2(t *testing.T) {
	got := propMap(t, resourceProperties(testResources(), true, 252))
	want := map[string]any{
		"MemoryMax":          uint64(64 << 20),
		"MemoryLow":          uint64(32 << 20),
		"MemorySwapMax":      uint64(32 << 20), // v2 swap is swap only
		"CPUWeight":          uint64(59),       // shares 512, as cpu.weight
		"CPUQuotaPeriodUSec": uint64(100000),
		"CPUQuotaPerSecUSec": uint64(500000),
		"AllowedCPUs":        []byte{0x03},
		"AllowedMemoryNodes": []byte{0x01},
		"TasksMax":           uint64(33),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("v2 properties:\n got %v\nwant %v", got, want)
	}
}

func TestResourcePropertiesV1(t *testing.T) {
	got := propMap(t, resourceProperties(testResources(), false, 252))
	want := map[string]any{
		"MemoryLimit":        uint64(64 << 20),
		"CPUShares":          uint64(512),
		"CPUQuotaPeriodUSec": uint64(100000),
		"CPUQuotaPerSecUSec": uint64(500000),
		"TasksMax":           uint64(33),
		"BlockIOWeight":      uint64(500),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("v1 properties:\n got %v\nwant %v", got, want)
	}
}

func TestResourcePropertiesEdges(t *testing.T) {
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(-1)},
		CPU:    &specs.LinuxCPU{Quota: i64(12345), Cpus: "0"},
		Pids:   &specs.LinuxPids{Limit: i64(-1)},
	}
	// Old systemd: no period property, no cpusets.
	got := propMap(t, resourceProperties(r, true, 241))
	want := map[string]any{
		"MemoryMax": uint64(usecInfinity),
		// 12345/100000 of a second is 123450us, rounded up to 10ms steps.
		"CPUQuotaPerSecUSec": uint64(130000),
		"TasksMax":           uint64(usecInfinity),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("edge properties:\n got %v\nwant %v", got, want)
	}
	got = propMap(t, resourceProperties(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}, true, 252))
	if want := map[string]any{"TasksMax": uint64(1)}; !reflect.DeepEqual(got, want) {
		t.Errorf("pids limit 0: got %v, want %v", got, want)
	}
	got = propMap(t, resourceProperties(&specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(-1), Period: u64(50000)}}, true, 252))
	want = map[string]any{"CPUQuotaPeriodUSec": uint64(50000), "CPUQuotaPerSecUSec": uint64(usecInfinity)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("unlimited quota:\n got %v\nwant %v", got, want)
	}
	if p := resourceProperties(nil, true, 252); len(p) != 0 {
		t.Errorf("nil resources gave %v", p)
	}
}

func TestUnitProperties(t *testing.T) {
	got := propMap(t, unitProperties("system.slice", "rt-test-c1.scope", 4242, nil, true, 252))
	for name, want := range map[string]any{
		"Slice": "system.slice", "Delegate": true, "PIDs": []uint32{4242},
		"DefaultDependencies": false, "MemoryAccounting": true, "TasksAccounting": true, "IOAccounting": true,
	} {
		if !reflect.DeepEqual(got[name], want) {
			t.Errorf("scope property %s = %#v, want %#v", name, got[name], want)
		}
	}
	if d, _ := got["Description"].(string); !strings.Contains(d, "rt-test-c1.scope") {
		t.Errorf("Description %q does not name the unit", d)
	}
	got = propMap(t, unitProperties("system.slice", "rt-pod.slice", 4242, testResources(), false, 252))
	if !reflect.DeepEqual(got["Wants"], []string{"system.slice"}) {
		t.Errorf("slice unit: Wants = %#v", got["Wants"])
	}
	for _, name := range []string{"Slice", "PIDs", "Delegate", "IOAccounting"} {
		if _, ok := got[name]; ok {
			t.Errorf("slice unit on v1 has %s", name)
		}
	}
	if got["MemoryLimit"] != uint64(64<<20) || got["BlockIOAccounting"] != true {
		t.Errorf("slice unit on v1: resources missing: %v", got)
	}
}

func TestSystemdVersion(t *testing.T) {
	for in, want := range map[string]int{`"252.19-1~deb12u1"`: 252, "v245.4": 245, "249": 249, "": 0, `"x"`: 0} {
		if got := systemdVersion(in); got != want {
			t.Errorf("systemdVersion(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestIsDBusError(t *testing.T) {
	const name = "org.freedesktop.systemd1.NoSuchUnit"
	for _, err := range []error{
		godbus.Error{Name: name},
		godbus.NewError(name, []any{"Unit x.scope not loaded."}),
		fmt.Errorf("stop: %w", godbus.Error{Name: name}),
	} {
		if !isDBusError(err, name) {
			t.Errorf("isDBusError(%#v) = false", err)
		}
	}
	if isDBusError(godbus.Error{Name: "org.freedesktop.systemd1.UnitExists"}, name) || isDBusError(fmt.Errorf("%s", name), name) {
		t.Error("isDBusError matched another error")
	}
}

// The unit name travels in Paths (and so in state.json); Load gives back a
// systemd manager with the same paths, and DirPaths drops the name.
func TestSystemdPathsRoundTrip(t *testing.T) {
	l, err := hostLayout()
	if err != nil {
		t.Skip("no cgroup layout:", err)
	}
	fs, err := newManager(l, nil, "/system.slice/rt-x.scope")
	if err != nil {
		t.Fatal(err)
	}
	m := &systemdManager{slice: "system.slice", unit: "rt-x.scope", fs: fs, v2: l.mode == modeV2}
	paths := m.Paths()
	if paths[SystemdUnitKey] != "rt-x.scope" {
		t.Fatalf("Paths() = %v: no unit name", paths)
	}
	dirs := DirPaths(paths)
	if _, ok := dirs[SystemdUnitKey]; ok || len(dirs) != len(paths)-1 || len(dirs) == 0 {
		t.Fatalf("DirPaths(%v) = %v", paths, dirs)
	}
	for k, d := range dirs {
		if !strings.HasSuffix(d, "/system.slice/rt-x.scope") {
			t.Errorf("path %q = %q is not the unit's cgroup", k, d)
		}
	}
	loaded, err := Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	sm, ok := loaded.(*systemdManager)
	if !ok || sm.unit != "rt-x.scope" || !sm.started {
		t.Fatalf("Load gave %#v, want the started systemd unit rt-x.scope", loaded)
	}
	if !reflect.DeepEqual(loaded.Paths(), paths) {
		t.Errorf("loaded Paths() = %v, want %v", loaded.Paths(), paths)
	}
	paths[SystemdUnitKey] = "bad/unit"
	if _, err := Load(paths); err == nil {
		t.Error("Load with an invalid unit name: no error")
	}
}

func TestWithSystemdQuota(t *testing.T) {
	cases := []struct {
		quota  int64
		period *uint64
		want   int64
	}{
		{12345, nil, 13000},           // 123450us/s -> 130000us/s
		{50000, u64(100000), 50000},   // already a 10ms step
		{1000, u64(3000), 1020},       // 333333us/s -> 340000us/s
		{-1, u64(100000), -1},         // unlimited stays
		{25000, u64(1000000), 30000},  // 25000us/s -> 30000us/s
		{100001, u64(100000), 101000}, // just above one CPU
	}
	for _, c := range cases {
		r := &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(c.quota), Period: c.period}}
		got := withSystemdQuota(r)
		if *got.CPU.Quota != c.want {
			t.Errorf("quota %d period %v: %d, want %d", c.quota, c.period, *got.CPU.Quota, c.want)
		}
		if *r.CPU.Quota != c.quota {
			t.Errorf("quota %d: the input was changed", c.quota)
		}
		// the files and systemd's property then say the same
		props := propMap(t, cpuQuotaProperties(got.CPU.Quota, got.CPU.Period, 252))
		if c.quota > 0 && props["CPUQuotaPerSecUSec"] != quotaPerSec(c.quota, deref(c.period)) {
			t.Errorf("quota %d: property %v", c.quota, props["CPUQuotaPerSecUSec"])
		}
	}
}

func deref(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}
