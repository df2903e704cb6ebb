package rootfs

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestExternalMounts(t *testing.T) {
	spec := &specs.Spec{
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/data", Type: "bind", Source: "/srv/data"},
			{Destination: "/etc/hosts", Source: "/etc/hosts", Options: []string{"rbind", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup"},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs"},
		},
		Linux: &specs.Linux{Devices: []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}},
	}
	v1 := Options{CgroupPaths: map[string]string{"memory": "/sys/fs/cgroup/memory/ct", "name=systemd": "/sys/fs/cgroup/systemd/ct"}}
	want := []ExternalMount{
		{"/data", "/srv/data"}, {"/etc/hosts", "/etc/hosts"},
		{"/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/ct"}, {"/sys/fs/cgroup/systemd", "/sys/fs/cgroup/systemd/ct"},
	}
	if got := ExternalMounts(spec, v1); !reflect.DeepEqual(got, want) {
		t.Errorf("v1:\n got %v\nwant %v", got, want)
	}
	v2 := Options{CgroupV2: true, CgroupPaths: map[string]string{"": "/sys/fs/cgroup/ct"}}
	if got := ExternalMounts(spec, v2); !reflect.DeepEqual(got[2:], []ExternalMount{{"/sys/fs/cgroup", "/sys/fs/cgroup/ct"}}) {
		t.Errorf("v2: got %v", got)
	}
	v2.CgroupNS = true
	if got := ExternalMounts(spec, v2); len(got) != 2 {
		t.Errorf("v2 with a cgroup namespace mounts cgroup2 itself, got %v", got)
	}
	// In a user namespace without a network namespace: the host's /sys
	// and every device node are bound.
	u := Options{CgroupV2: true, CgroupNS: true, UserNS: true}
	got := ExternalMounts(spec, u)
	if got[2] != (ExternalMount{"/sys", "/sys"}) || len(got) != 3+len(defaultDevices)+1 || got[len(got)-1] != (ExternalMount{"/dev/fuse", "/dev/fuse"}) {
		t.Errorf("userns: got %v", got)
	}
}
