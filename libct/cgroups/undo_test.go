package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestUndoValue(t *testing.T) {
	cases := []struct {
		file, cur, value, want string
		ok                     bool
	}{
		{"memory.limit_in_bytes", "9223372036854771712\n", "67108864", "9223372036854771712", true},
		{"cpu.max", "max 100000\n", "50000 100000", "max 100000", true},
		{"cpuset.cpus", "\n", "0", "", true},
		{"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "1", "0", true},
		// a device with a throttle of its own, and one without
		{"blkio.throttle.read_bps_device", "8:0 1048576\n", "8:0 2097152", "8:0 1048576", true},
		{"blkio.throttle.read_bps_device", "8:0 1048576\n", "8:16 2097152", "8:16 0", true},
		{"blkio.throttle.write_iops_device", "", "8:16 20", "8:16 0", true},
		{"io.max", "8:0 rbps=1048576 wbps=max riops=max wiops=max\n", "8:0 rbps=max wiops=300", "8:0 rbps=1048576 wbps=max riops=max wiops=max", true},
		{"io.max", "", "254:0 rbps=1048576", "254:0 rbps=max wbps=max riops=max wiops=max", true},
		{"io.weight", "default 100\n8:0 50\n", "default 910", "default 100", true},
		{"io.weight", "default 100\n", "8:16 910", "8:16 default", true},
		{"io.bfq.weight", "default 100\n8:0 50\n", "8:0 500", "8:0 50", true},
		{"blkio.bfq.weight_device", "default 100\n", "8:0 500", "8:0 default", true},
		{"blkio.weight_device", "", "8:0 500", "8:0 0", true},
		{"net_prio.ifpriomap", "lo 0\neth0 3\n", "eth0 5", "eth0 3", true},
		{"rdma.max", "mlx5_0 hca_handle=max hca_object=max\n", "mlx5_0 hca_handle=2", "mlx5_0 hca_handle=max hca_object=max", true},
		// a unified key rt has no table entry for
		{"io.latency", "8:0 target=10\n8:16 target=20\n", "8:16 target=5", "8:16 target=20", true},
		{"io.latency", "8:0 target=10\n8:16 target=20\n", "8:32 target=5", "", false},
		{"memory.oom_control", "under_oom 0\n", "1", "", false},
	}
	for _, c := range cases {
		got, ok := undoValue(c.file, c.cur, c.value)
		if got != c.want || ok != c.ok {
			t.Errorf("undoValue(%s, %q, %q) = %q, %v; want %q, %v", c.file, c.cur, c.value, got, ok, c.want, c.ok)
		}
	}
}

func TestJournalRollbackReverse(t *testing.T) {
	d := t.TempDir()
	for f, v := range map[string]string{"a": "1\n", "b": "2\n", "blkio.throttle.read_bps_device": "8:0 100\n"} {
		if err := os.WriteFile(filepath.Join(d, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	j := &journal{}
	for _, w := range [][2]string{{"a", "10"}, {"b", "20"}, {"a", "11"}, {"blkio.throttle.read_bps_device", "8:16 5"}} {
		if err := j.write(d, w[0], w[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.write(d, "missing", "1"); err == nil {
		t.Fatal("a write to a missing file: want an error")
	}
	want := []undoWrite{{d, "a", "1"}, {d, "b", "2"}, {d, "a", "10"}, {d, "blkio.throttle.read_bps_device", "8:16 0"}}
	if len(j.undo) != len(want) {
		t.Fatalf("journal %v, want %v", j.undo, want)
	}
	for i := range want {
		if j.undo[i] != want[i] {
			t.Errorf("journal[%d] = %v, want %v", i, j.undo[i], want[i])
		}
	}
	if err := j.rollback(); err != nil {
		t.Fatal(err)
	}
	// Plain files keep the last write: a must end as it began, after 10.
	for f, v := range map[string]string{"a": "1", "b": "2", "blkio.throttle.read_bps_device": "8:16 0"} {
		if got := readTrim(t, d, f); got != v {
			t.Errorf("%s = %q after rollback, want %q", f, got, v)
		}
	}
	// A nil journal writes without recording.
	var nj *journal
	if err := nj.write(d, "a", "7"); err != nil || readTrim(t, d, "a") != "7" {
		t.Errorf("nil journal write: %v", err)
	}
}

func TestTransactError(t *testing.T) {
	d := t.TempDir()
	if err := os.WriteFile(filepath.Join(d, "a"), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := transact(func(j *journal) error {
		if err := j.write(d, "a", "2"); err != nil {
			return err
		}
		return fieldError("cpu.cpus", "boom")
	})
	if err == nil || err.Error() != "cgroups: linux.resources.cpu.cpus: boom" {
		t.Errorf("transact = %v", err)
	}
	if got := readTrim(t, d, "a"); got != "1" {
		t.Errorf("a = %q after a failed transaction", got)
	}
	// What cannot be put back is said on the same line.
	err = transact(func(j *journal) error {
		if err := j.write(d, "a", "2"); err != nil {
			return err
		}
		if err := os.Remove(filepath.Join(d, "a")); err != nil {
			t.Fatal(err)
		}
		return fieldError("pids", "boom")
	})
	if err == nil || !strings.Contains(err.Error(), "linux.resources.pids: boom (putting the earlier values back failed too: ") ||
		strings.Contains(err.Error(), "\n") {
		t.Errorf("transact = %v", err)
	}
}

// v1 files an update may touch, with their content.
func snapshotV1(t *testing.T, paths map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for ctrl, files := range map[string][]string{
		"memory": {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.swappiness"},
		"cpu":    {"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.idle"},
		"cpuset": {"cpuset.cpus", "cpuset.mems"},
		"pids":   {"pids.max"},
	} {
		for _, f := range files {
			if fileExists(paths[ctrl], f) {
				out[f] = readTrim(t, paths[ctrl], f)
			}
		}
	}
	return out
}

// TestHostV1UpdateAllOrNothing: an update whose last field fails leaves
// every file as it was, whichever order its writes had to take.
func TestHostV1UpdateAllOrNothing(t *testing.T) {
	l := requireV1(t)
	parent := testParent(t, l)
	child := startSleeper(t)
	m, err := New(Config{Path: parent + "/ctr"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(child.Process.Pid); err != nil {
		t.Fatal(err)
	}
	swap := fileExists(m.Paths()["memory"], "memory.memsw.limit_in_bytes")
	res := func(limit, memsw int64, shares uint64, quota int64, period uint64, pids int64, cpus string) *specs.LinuxResources {
		r := &specs.LinuxResources{
			Memory: &specs.LinuxMemory{Limit: i64(limit), Reservation: i64(limit / 2), Swappiness: u64(uint64(limit>>20) % 100)},
			CPU:    &specs.LinuxCPU{Shares: u64(shares), Quota: i64(quota), Period: u64(period), Cpus: cpus},
			Pids:   &specs.LinuxPids{Limit: i64(pids)},
		}
		if swap {
			r.Memory.Swap = i64(memsw)
		}
		return r
	}
	if err := m.Set(res(64<<20, 128<<20, 512, 50000, 100000, 20, "")); err != nil {
		t.Fatal(err)
	}
	// A last field that fails wherever the test runs: a page size no
	// kernel has.
	bad := []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 0}}
	for _, r := range []*specs.LinuxResources{
		// up: memory+swap before the memory limit, the period first
		res(256<<20, 512<<20, 300, 20000, 200000, 30, "0"),
		// down below the current limits: memory first, and a period the
		// old quota does not fit in (quota first, period retried)
		res(8<<20, 12<<20, 2, 1000, 1000, 1, "0"),
	} {
		before := snapshotV1(t, m.Paths())
		r.HugepageLimits = bad
		err := Update(m, r)
		if err == nil || !strings.Contains(err.Error(), "linux.resources.hugepageLimits") {
			t.Fatalf("Update = %v, want the hugepageLimits error", err)
		}
		after := snapshotV1(t, m.Paths())
		for f, v := range before {
			if after[f] != v {
				t.Errorf("%s = %q after the failed update, was %q", f, after[f], v)
			}
		}
		// The same update without the bad field goes through; the next
		// round fails from there.
		r.HugepageLimits = nil
		if err := Update(m, r); err != nil {
			t.Fatal(err)
		}
	}
	stopSleeper(t, child)
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
}

// An empty v2 cpuset goes back as the CPUs it had in effect.
func TestJournalEmptyCpuset(t *testing.T) {
	d := t.TempDir()
	for f, v := range map[string]string{"cpuset.cpus": "\n", "cpuset.cpus.effective": "0-3\n"} {
		if err := os.WriteFile(filepath.Join(d, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	j := &journal{}
	if err := j.write(d, "cpuset.cpus", "1"); err != nil {
		t.Fatal(err)
	}
	if err := j.rollback(); err != nil {
		t.Fatal(err)
	}
	if got := readTrim(t, d, "cpuset.cpus"); got != "0-3" {
		t.Errorf("cpuset.cpus = %q after rollback, want 0-3", got)
	}
}
