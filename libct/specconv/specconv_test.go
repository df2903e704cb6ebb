package specconv

import (
	"os"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestExampleContents(t *testing.T) {
	s := Example()
	if s.Version != specs.Version || s.Root.Path != "rootfs" || !s.Root.Readonly {
		t.Errorf("version/root: %q %+v", s.Version, s.Root)
	}
	if !s.Process.Terminal || !slices.Equal(s.Process.Args, []string{"sh"}) || s.Process.Cwd != "/" {
		t.Errorf("process: %+v", s.Process)
	}
	var dests []string
	for _, m := range s.Mounts {
		dests = append(dests, m.Destination)
	}
	wantDests := []string{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"}
	if !slices.Equal(dests, wantDests) {
		t.Errorf("mounts = %v, want %v", dests, wantDests)
	}
	var ns []specs.LinuxNamespaceType
	for _, n := range s.Linux.Namespaces {
		ns = append(ns, n.Type)
	}
	wantNS := []specs.LinuxNamespaceType{"pid", "network", "ipc", "uts", "mount"}
	if pureV2() {
		wantNS = append(wantNS, "cgroup")
	}
	if !slices.Equal(ns, wantNS) {
		t.Errorf("namespaces = %v, want %v", ns, wantNS)
	}
	if !slices.Contains(s.Linux.MaskedPaths, "/proc/kcore") || !slices.Contains(s.Linux.ReadonlyPaths, "/proc/sys") {
		t.Error("masked/readonly paths are missing the essentials")
	}
}

// Callers edit the spec they get, so two calls must share no slices.
func TestExampleIsFresh(t *testing.T) {
	a, b := Example(), Example()
	a.Process.Capabilities.Bounding[0] = "CAP_SYS_ADMIN"
	a.Mounts[0].Destination = "/x"
	if b.Process.Capabilities.Bounding[0] == "CAP_SYS_ADMIN" || b.Mounts[0].Destination == "/x" {
		t.Error("Example results share memory")
	}
	if a.Process.Capabilities.Effective[0] == "CAP_SYS_ADMIN" {
		t.Error("capability sets share memory")
	}
}

func TestToRootless(t *testing.T) {
	s := Example()
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/1/ns/user"})
	toRootless(s, 1000, 1001)

	var users int
	for _, n := range s.Linux.Namespaces {
		if n.Type == specs.NetworkNamespace {
			t.Error("network namespace kept")
		}
		if n.Type == specs.UserNamespace {
			users++
			if n.Path != "" {
				t.Errorf("user namespace path kept: %q", n.Path)
			}
		}
	}
	if users != 1 {
		t.Errorf("%d user namespaces, want 1", users)
	}
	wantU := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	wantG := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1001, Size: 1}}
	if !slices.Equal(s.Linux.UIDMappings, wantU) || !slices.Equal(s.Linux.GIDMappings, wantG) {
		t.Errorf("mappings %v %v", s.Linux.UIDMappings, s.Linux.GIDMappings)
	}
	if s.Linux.Resources != nil {
		t.Error("resources kept")
	}
	cgroupMounts := 0
	for _, m := range s.Mounts {
		if m.Type == "cgroup" {
			cgroupMounts++
		}
		if m.Destination == "/sys" && (m.Source != "/sys" || !slices.Contains(m.Options, "rbind") || !slices.Contains(m.Options, "ro")) {
			t.Errorf("/sys is not a read-only rbind: %+v", m)
		}
		for _, o := range m.Options {
			if strings.HasPrefix(o, "gid=") || strings.HasPrefix(o, "uid=") {
				t.Errorf("%s keeps %q", m.Destination, o)
			}
		}
	}
	// As runc's and crun's rootless specs.
	if cgroupMounts != 1 {
		t.Errorf("%d cgroup mounts, want the one kept", cgroupMounts)
	}
}

func TestToRootlessWithoutLinux(t *testing.T) {
	s := &specs.Spec{}
	ToRootless(s)
	if s.Linux == nil || len(s.Linux.UIDMappings) != 1 || s.Linux.UIDMappings[0].HostID != uint32(os.Geteuid()) {
		t.Errorf("got %+v", s.Linux)
	}
}
