package mempolicy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParse(t *testing.T) {
	type F = specs.MemoryPolicyFlagType
	tests := []struct {
		mode    specs.MemoryPolicyModeType
		nodes   string
		flags   []F
		wantErr string
		count   int
	}{
		{"MPOL_INTERLEAVE", "0", nil, "", 1},
		{"MPOL_BIND", "0-3,7,2", []F{"MPOL_F_STATIC_NODES"}, "", 5},
		{"MPOL_PREFERRED", "", nil, "", 0},
		{"MPOL_PREFERRED", "1", []F{"MPOL_F_RELATIVE_NODES"}, "", 1},
		{"MPOL_DEFAULT", "", nil, "", 0},
		{"MPOL_LOCAL", "", nil, "", 0},
		{"MPOL_BIND", "1023", nil, "", 1},
		{"", "0", nil, `invalid memory policy mode ""`, 0},
		{"INTERLEAVE", "0", nil, `invalid memory policy mode "INTERLEAVE"`, 0},
		{"MPOL_PREFERRED", "0", []F{"MPOL_F_RELATIVE_NODES", "badflag"}, `invalid memory policy flag "badflag"`, 0},
		{"MPOL_DEFAULT", "0-7", nil, "memory policy mode requires 0 nodes but got 8", 0},
		{"MPOL_LOCAL", "0", nil, "memory policy mode requires 0 nodes but got 1", 0},
		{"MPOL_BIND", "", nil, "requires at least one node but got 0", 0},
		{"MPOL_BIND", "0-9876543210", nil, `invalid memory policy nodes "0-9876543210"`, 0},
		{"MPOL_BIND", "1024", nil, "invalid memory policy nodes", 0},
		{"MPOL_BIND", "3-1", nil, "invalid memory policy nodes", 0},
		{"MPOL_BIND", "0,,1", nil, "invalid memory policy nodes", 0},
		{"MPOL_BIND", "-1", nil, "invalid memory policy nodes", 0},
		{"MPOL_BIND", "+1", nil, "invalid memory policy nodes", 0},
		{"MPOL_BIND", "0", []F{"MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"}, "exclude each other", 0},
		{"MPOL_INTERLEAVE", "0", []F{"MPOL_F_NUMA_BALANCING"}, "MPOL_F_NUMA_BALANCING is only for", 0},
		{"MPOL_BIND", "0", []F{"MPOL_F_NUMA_BALANCING"}, "", 1},
		{"MPOL_LOCAL", "", []F{"MPOL_F_STATIC_NODES"}, "takes neither", 0},
		{"MPOL_PREFERRED", "", []F{"MPOL_F_RELATIVE_NODES"}, "takes neither", 0},
	}
	for _, tt := range tests {
		pol, err := Parse(&specs.LinuxMemoryPolicy{Mode: tt.mode, Nodes: tt.nodes, Flags: tt.flags})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s %q %v: err = %v, want %q", tt.mode, tt.nodes, tt.flags, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q %v: %v", tt.mode, tt.nodes, tt.flags, err)
			continue
		}
		if pol.count != tt.count {
			t.Errorf("%s %q: %d nodes, want %d", tt.mode, tt.nodes, pol.count, tt.count)
		}
	}
}

func TestCheckHost(t *testing.T) {
	saved := hasMemoryPath
	defer func() { hasMemoryPath = saved }()
	hasMemoryPath = filepath.Join(t.TempDir(), "has_memory")
	if err := os.WriteFile(hasMemoryPath, []byte("0,2-3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		nodes string
		flags []specs.MemoryPolicyFlagType
		ok    bool
	}{
		{"0", nil, true},
		{"1,3", nil, true}, // the kernel keeps the nodes that exist
		{"1", nil, false},
		{"4-100", []specs.MemoryPolicyFlagType{"MPOL_F_STATIC_NODES"}, false},
		{"7", []specs.MemoryPolicyFlagType{"MPOL_F_RELATIVE_NODES"}, true},
	}
	for _, tt := range tests {
		pol, err := Parse(&specs.LinuxMemoryPolicy{Mode: "MPOL_BIND", Nodes: tt.nodes, Flags: tt.flags})
		if err != nil {
			t.Fatal(err)
		}
		err = pol.CheckHost()
		if (err == nil) != tt.ok {
			t.Errorf("nodes %q %v: CheckHost = %v, want ok=%v", tt.nodes, tt.flags, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "nodes with memory: 0,2-3") {
			t.Errorf("error does not say which nodes exist: %v", err)
		}
	}
}

func TestModesAndFlags(t *testing.T) {
	if got := strings.Join(Modes(), ","); got != "MPOL_BIND,MPOL_DEFAULT,MPOL_INTERLEAVE,MPOL_LOCAL,MPOL_PREFERRED,MPOL_PREFERRED_MANY,MPOL_WEIGHTED_INTERLEAVE" {
		t.Errorf("Modes = %s", got)
	}
	if got := strings.Join(Flags(), ","); got != "MPOL_F_NUMA_BALANCING,MPOL_F_RELATIVE_NODES,MPOL_F_STATIC_NODES" {
		t.Errorf("Flags = %s", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "0-3,7", "", "1023", "5-2", "0,,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, nodes string) {
		pol, err := Parse(&specs.LinuxMemoryPolicy{Mode: "MPOL_BIND", Nodes: nodes})
		if err != nil {
			return
		}
		if pol.count == 0 || pol.top < 0 || pol.top >= MaxNodes {
			t.Fatalf("Parse(%q) accepted count %d top %d", nodes, pol.count, pol.top)
		}
	})
}
