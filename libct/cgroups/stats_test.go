package cgroups

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseCPUList(t *testing.T) {
	got, err := parseCPUList("0-2,5,7-8\n")
	if err != nil || !reflect.DeepEqual(got, []uint16{0, 1, 2, 5, 7, 8}) {
		t.Fatalf("got %v, %v", got, err)
	}
	if got, err := parseCPUList(""); err != nil || got != nil {
		t.Fatalf("empty: %v, %v", got, err)
	}
	for _, bad := range []string{"a", "3-1", "1-x"} {
		if _, err := parseCPUList(bad); err == nil {
			t.Errorf("parseCPUList(%q): want an error", bad)
		}
	}
}

func TestParsePSI(t *testing.T) {
	ps, err := parsePSI("some avg10=1.50 avg60=0.25 avg300=0.00 total=1234\nfull avg10=0.10 avg60=0.00 avg300=0.00 total=99\n")
	if err != nil {
		t.Fatal(err)
	}
	want := PSIStats{Some: PSIData{1.5, 0.25, 0, 1234}, Full: PSIData{0.1, 0, 0, 99}}
	if *ps != want {
		t.Fatalf("got %+v", *ps)
	}
	if _, err := parsePSI("some avg10=x"); err == nil {
		t.Fatal("bad PSI accepted")
	}
}

func TestParseBlkio(t *testing.T) {
	v1, err := parseBlkioV1("8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []BlkioEntry{{8, 0, "Read", 4096}, {8, 0, "Write", 8192}, {8, 0, "Total", 12288}}
	if !reflect.DeepEqual(v1, want) {
		t.Fatalf("v1 = %+v", v1)
	}
	var b Blkio
	if err := parseIOStat("254:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n", &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b.IoServiceBytesRecursive, []BlkioEntry{{254, 0, "Read", 10}, {254, 0, "Write", 20}}) ||
		!reflect.DeepEqual(b.IoServicedRecursive, []BlkioEntry{{254, 0, "Read", 1}, {254, 0, "Write", 2}}) {
		t.Fatalf("io.stat = %+v", b)
	}
}

// TestStatsV2Files reads a fake v2 cgroup directory.
func TestStatsV2Files(t *testing.T) {
	d := t.TempDir()
	files := map[string]string{
		"cpu.stat":              "usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 5\nnr_throttled 2\nthrottled_usec 7\n",
		"cpu.pressure":          "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n",
		"memory.current":        "4096\n",
		"memory.max":            "max\n",
		"memory.peak":           "8192\n",
		"memory.stat":           "anon 1000\nfile 3000\n",
		"memory.events":         "low 0\nhigh 1\nmax 2\noom 3\noom_kill 4\n",
		"memory.swap.current":   "100\n",
		"memory.swap.max":       "max\n",
		"pids.current":          "3\n",
		"pids.max":              "max\n",
		"cpuset.cpus.effective": "0-1\n",
		"cpuset.mems.effective": "0\n",
	}
	for f, v := range files {
		if err := os.WriteFile(filepath.Join(d, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := newStats()
	if err := statsV2(d, s); err != nil {
		t.Fatal(err)
	}
	if s.CPU.Usage.Total != 100000 || s.CPU.Usage.User != 60000 || s.CPU.Throttling.ThrottledTime != 7000 || s.CPU.PSI.Some.Total != 5 {
		t.Errorf("cpu = %+v", s.CPU)
	}
	if s.Memory.Usage.Usage != 4096 || s.Memory.Usage.Max != 8192 || s.Memory.Usage.Limit != ^uint64(0) || s.Memory.Cache != 3000 || s.Memory.EventCount.OOMKill != 4 || s.Memory.Usage.Failcnt != 2 {
		t.Errorf("memory = %+v", s.Memory)
	}
	if s.Memory.Swap.Usage != 4196 {
		t.Errorf("swap usage = %d, want memory+swap 4196", s.Memory.Swap.Usage)
	}
	if s.Pids.Current != 3 || s.Pids.Limit != 0 {
		t.Errorf("pids = %+v", s.Pids)
	}
	if !reflect.DeepEqual(s.CPUSet.CPUs, []uint16{0, 1}) {
		t.Errorf("cpuset = %+v", s.CPUSet)
	}
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"cpu":`, `"memory":`, `"pids":`, `"blkio":`, `"hugetlb":`, `"cpuset":`} {
		if !strings.Contains(string(js), k) {
			t.Errorf("JSON lacks %s: %s", k, js)
		}
	}
	if strings.Contains(string(js), "oom") {
		t.Errorf("stats JSON names oom without an OOM event: %s", js)
	}
}
