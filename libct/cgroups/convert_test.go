package cgroups

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSharesToWeight(t *testing.T) {
	cases := map[uint64]uint64{
		0: 0, 1: 1, 2: 1, 3: 2, 512: 59, 1024: 100, 2048: 174,
		10000: 627, 262143: 10000, 262144: 10000, 1 << 30: 10000,
	}
	for in, want := range cases {
		if got := sharesToWeight(in); got != want {
			t.Errorf("sharesToWeight(%d) = %d, want %d", in, got, want)
		}
	}
	prev := uint64(0)
	for s := uint64(2); s <= 262144; s += 97 {
		w := sharesToWeight(s)
		if w < prev || w < 1 || w > 10000 {
			t.Fatalf("not monotonic or out of range at %d: %d after %d", s, w, prev)
		}
		prev = w
	}
}

func TestBlkioToIOWeight(t *testing.T) {
	cases := map[uint16]uint64{0: 0, 1: 1, 10: 1, 100: 910, 500: 4950, 1000: 10000}
	for in, want := range cases {
		if got := blkioToIOWeight(in); got != want {
			t.Errorf("blkioToIOWeight(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestSwapToV2(t *testing.T) {
	cases := []struct {
		limit, swap int64
		want        string
		err         bool
	}{
		{100, 300, "200", false},
		{100, 100, "0", false},
		{100, -1, "max", false},
		{-1, 0, "max", false},
		{100, 0, "", false},
		{0, 0, "", false},
		{0, 300, "", true},
		{-1, 300, "300", false}, // unlimited memory: all of it may be swap
		{300, 100, "", true},
		{100, -5, "", true},
	}
	for _, c := range cases {
		got, err := swapToV2(c.limit, c.swap)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("swapToV2(%d, %d) = %q, %v; want %q, err=%v", c.limit, c.swap, got, err, c.want, c.err)
		}
	}
}

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }
func boolp(v bool) *bool   { return &v }
func TestValueFormatting(t *testing.T) {
	cm := []struct {
		q    *int64
		p    *uint64
		want string
	}{
		{nil, nil, ""},
		{i64(50000), u64(100000), "50000 100000"},
		{i64(-1), u64(100000), "max 100000"},
		{i64(20000), nil, "20000"},
		{nil, u64(250000), "max 250000"},
		{i64(0), u64(0), ""},
	}
	for _, c := range cm {
		if got := cpuMax(c.q, c.p); got != c.want {
			t.Errorf("cpuMax = %q, want %q", got, c.want)
		}
	}
	for in, want := range map[int64]string{-1: "max", -5: "max", 0: "1", 5: "5"} {
		if got := pidsMax(in); got != want {
			t.Errorf("pidsMax(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int64]string{-1: "max", 0: "0", 4096: "4096"} {
		if got := v2Limit(in); got != want {
			t.Errorf("v2Limit(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[uint64]string{64 << 10: "64KB", 2 << 20: "2MB", 1 << 30: "1GB", 16 << 30: "16GB", 512 << 20: "512MB"} {
		if got := hugePageName(in); got != want {
			t.Errorf("hugePageName(%d) = %q, want %q", in, got, want)
		}
	}
	if err := checkHugePageSize("2M", []string{"2MB", "1GB"}); err == nil || !strings.Contains(err.Error(), "hugepageLimits") {
		t.Errorf("checkHugePageSize(2M) = %v", err)
	}
	if err := checkHugePageSize("1GB", []string{"2MB", "1GB"}); err != nil {
		t.Error(err)
	}
}

func TestIOMaxLines(t *testing.T) {
	dev := func(maj, min int64, rate uint64) specs.LinuxThrottleDevice {
		return specs.LinuxThrottleDevice{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: maj, Minor: min}, Rate: rate}
	}
	b := &specs.LinuxBlockIO{
		ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{dev(8, 0, 1048576), dev(254, 0, 0)},
		ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{dev(8, 0, 300)},
	}
	got, err := ioMaxLines(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"254:0 rbps=max", "8:0 rbps=1048576 wiops=300"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ioMaxLines = %q, want %q", got, want)
	}
}

func TestUnifiedKeyController(t *testing.T) {
	good := map[string]string{"memory.high": "memory", "cpu.weight.nice": "cpu", "cgroup.max.depth": "cgroup", "io.bfq.weight": "io"}
	for k, want := range good {
		if got, err := unifiedKeyController(k); err != nil || got != want {
			t.Errorf("unifiedKeyController(%q) = %q, %v", k, got, err)
		}
	}
	for _, k := range []string{"memory", "../memory.max", "a/memory.max", ".max", "memory.", "Memory.max", "cgroup.procs", "cgroup.subtree_control", "memory..max"} {
		if _, err := unifiedKeyController(k); err == nil {
			t.Errorf("unifiedKeyController(%q): want an error", k)
		}
	}
}
