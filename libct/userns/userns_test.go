package userns

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseMappings(t *testing.T) {
	got, err := ParseMappings([]byte("         0     100000      65536\n      65536     300000          1\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}, {ContainerID: 65536, HostID: 300000, Size: 1}}
	if !SameMappings(got, want) || len(got) != 2 || got[1] != want[1] {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"0 1\n", "0 1 x\n", "0 1 4294967296\n"} {
		if _, err := ParseMappings([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSameMappingsIgnoresOrder(t *testing.T) {
	a := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}, {ContainerID: 1, HostID: 2000, Size: 5}}
	b := []specs.LinuxIDMapping{a[1], a[0]}
	if !SameMappings(a, b) || Key(a, nil) != Key(b, nil) {
		t.Error("order of lines must not matter")
	}
	c := []specs.LinuxIDMapping{a[0], {ContainerID: 1, HostID: 2000, Size: 6}}
	if SameMappings(a, c) || Key(a, nil) == Key(c, nil) {
		t.Error("different sizes compare equal")
	}
	if Key(a, nil) == Key(nil, a) {
		t.Error("uid and gid mappings must not be confused")
	}
}

func TestReadMappingsOfSelf(t *testing.T) {
	u, g, err := ReadMappings(1)
	if err != nil {
		t.Skip(err)
	}
	if len(u) == 0 || len(g) == 0 {
		t.Errorf("pid 1 has no mappings: %v %v", u, g)
	}
}
