package initproc

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The init must see every field it builds the container from exactly as
// config.json had it, after the trip through JSON that the parent's
// Config takes.
func TestContainerRoundTrip(t *testing.T) {
	full := &specs.Spec{
		Version:     "1.2.0",
		Process:     &specs.Process{Args: []string{"sh"}},
		Root:        &specs.Root{Path: "rootfs", Readonly: true},
		Hostname:    "h",
		Domainname:  "d",
		Mounts:      []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid"}}},
		Hooks:       &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/true"}}, StartContainer: []specs.Hook{{Path: "/bin/false"}}},
		Annotations: map[string]string{"a": "b"},
		Linux: &specs.Linux{
			Namespaces:        []specs.LinuxNamespace{{Type: specs.MountNamespace}, {Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"}},
			UIDMappings:       []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}},
			Devices:           []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}},
			Sysctl:            map[string]string{"net.ipv4.ip_forward": "1"},
			MaskedPaths:       []string{"/proc/kcore"},
			ReadonlyPaths:     []string{"/proc/sys"},
			RootfsPropagation: "rslave",
			MountLabel:        "system_u:object_r:container_file_t:s0",
			Resources:         &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0"}},
			Seccomp:           &specs.LinuxSeccomp{DefaultAction: specs.ActErrno},
			CgroupsPath:       "/x",
		},
	}
	b, err := json.Marshal(ContainerOf(full))
	if err != nil {
		t.Fatal(err)
	}
	var c Container
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	got := c.Spec()
	want := &specs.Spec{
		Root: full.Root, Hostname: full.Hostname, Domainname: full.Domainname,
		Mounts: full.Mounts, Hooks: full.Hooks,
		Linux: &specs.Linux{
			Namespaces: full.Linux.Namespaces, Devices: full.Linux.Devices,
			Sysctl: full.Linux.Sysctl, MaskedPaths: full.Linux.MaskedPaths,
			ReadonlyPaths: full.Linux.ReadonlyPaths, RootfsPropagation: full.Linux.RootfsPropagation,
			MountLabel: full.Linux.MountLabel,
		},
	}
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Fatalf("init sees\n%s\nwant\n%s", gj, wj)
	}
	// Every field of Container is set above: a new one left out of Spec
	// (or of ContainerOf) makes it zero here.
	v := reflect.ValueOf(c)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Errorf("Container.%s did not survive the round trip", v.Type().Field(i).Name)
		}
	}
	// The parent's sections stay out of what the init decodes.
	for _, key := range []string{"resources", "seccomp", "annotations", "process", "uidMappings", "cgroupsPath"} {
		if strings.Contains(string(b), `"`+key+`"`) {
			t.Errorf("%q reached the init's config: %s", key, b)
		}
	}
}
