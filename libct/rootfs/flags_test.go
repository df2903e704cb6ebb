package rootfs

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestParseMountOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    []string
		flags   uintptr
		cleared uintptr
		prop    []uintptr
		data    []string
	}{
		{name: "proc", opts: []string{"nosuid", "noexec", "nodev"}, flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV},
		{name: "tmpfs data", opts: []string{"nosuid", "strictatime", "mode=755", "size=65536k"},
			flags: unix.MS_NOSUID | unix.MS_STRICTATIME, data: []string{"mode=755", "size=65536k"}},
		{name: "devpts", opts: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"},
			flags: unix.MS_NOSUID | unix.MS_NOEXEC, data: []string{"newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{name: "rbind ro", opts: []string{"rbind", "ro"}, flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY},
		{name: "later wins", opts: []string{"ro", "rw"}, cleared: unix.MS_RDONLY},
		{name: "later wins set", opts: []string{"rw", "ro"}, flags: unix.MS_RDONLY},
		{name: "clears", opts: []string{"suid", "dev", "exec", "atime", "diratime", "norelatime", "symfollow"},
			cleared: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_NOSYMFOLLOW},
		{name: "sb flags", opts: []string{"sync", "dirsync", "mand", "lazytime", "iversion", "silent"},
			flags: unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC | unix.MS_MANDLOCK | unix.MS_LAZYTIME | unix.MS_I_VERSION | unix.MS_SILENT},
		{name: "defaults", opts: []string{"defaults"}},
		{name: "propagation", opts: []string{"bind", "rprivate", "shared", "runbindable"}, flags: unix.MS_BIND,
			prop: []uintptr{unix.MS_PRIVATE | unix.MS_REC, unix.MS_SHARED, unix.MS_UNBINDABLE | unix.MS_REC}},
		{name: "unknown is data", opts: []string{"lowerdir=/a:/b", "upperdir=/u"}, data: []string{"lowerdir=/a:/b", "upperdir=/u"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := parseMountOptions(tc.opts)
			if o.flags != tc.flags {
				t.Errorf("flags = %#x, want %#x", o.flags, tc.flags)
			}
			if o.cleared != tc.cleared {
				t.Errorf("cleared = %#x, want %#x", o.cleared, tc.cleared)
			}
			if !reflect.DeepEqual(o.propagation, tc.prop) {
				t.Errorf("propagation = %v, want %v", o.propagation, tc.prop)
			}
			if !reflect.DeepEqual(o.data, tc.data) {
				t.Errorf("data = %q, want %q", o.data, tc.data)
			}
			if o.recursive {
				t.Errorf("recursive set for non-recursive options")
			}
		})
	}
}

func TestParseRecursiveOptions(t *testing.T) {
	tests := []struct {
		opts     []string
		set, clr uint64
	}{
		{[]string{"rro"}, unix.MOUNT_ATTR_RDONLY, 0},
		{[]string{"rro", "rrw"}, 0, unix.MOUNT_ATTR_RDONLY},
		{[]string{"rnosuid", "rnodev", "rnoexec"}, unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC, 0},
		{[]string{"rsuid", "rdev", "rexec", "rsymfollow"}, 0, unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NOSYMFOLLOW},
		{[]string{"rnoatime"}, unix.MOUNT_ATTR_NOATIME, unix.MOUNT_ATTR__ATIME},
		{[]string{"rnoatime", "rstrictatime"}, unix.MOUNT_ATTR_STRICTATIME, unix.MOUNT_ATTR__ATIME},
		{[]string{"rstrictatime", "ratime"}, unix.MOUNT_ATTR_RELATIME, unix.MOUNT_ATTR__ATIME},
		{[]string{"rnodiratime", "rnosymfollow"}, unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW, 0},
	}
	for _, tc := range tests {
		o := parseMountOptions(tc.opts)
		if !o.recursive {
			t.Errorf("%v: recursive not set", tc.opts)
		}
		if o.attr.Attr_set != tc.set || o.attr.Attr_clr != tc.clr {
			t.Errorf("%v: set/clr = %#x/%#x, want %#x/%#x", tc.opts, o.attr.Attr_set, o.attr.Attr_clr, tc.set, tc.clr)
		}
		if o.flags != 0 || len(o.data) != 0 {
			t.Errorf("%v: leaked into flags %#x / data %q", tc.opts, o.flags, o.data)
		}
	}
}

func TestParseIdmapAndCopyup(t *testing.T) {
	if o := parseMountOptions([]string{"bind", "idmap"}); !o.idmap || len(o.data) != 0 {
		t.Errorf("idmap: got idmap=%v data=%q", o.idmap, o.data)
	}
	if o := parseMountOptions([]string{"ridmap"}); !o.idmap {
		t.Error("ridmap not detected")
	}
	if o := parseMountOptions([]string{"tmpcopyup"}); !o.tmpcopyup || len(o.data) != 0 {
		t.Errorf("tmpcopyup: got %v data=%q", o.tmpcopyup, o.data)
	}
}

func TestNeedsRemount(t *testing.T) {
	tests := []struct {
		opts []string
		want bool
	}{
		{[]string{"bind"}, false},
		{[]string{"rbind", "rprivate"}, false},
		{[]string{"rbind", "ro"}, true},
		{[]string{"bind", "nosuid"}, true},
		{[]string{"bind", "rw"}, true},
		{[]string{"bind", "rro"}, false},
	}
	for _, tc := range tests {
		if got := ParseMountOpts(specs.Mount{Options: tc.opts}).NeedsRemount(); got != tc.want {
			t.Errorf("%v: needsRemount = %v, want %v", tc.opts, got, tc.want)
		}
	}
}

func TestRootPropagation(t *testing.T) {
	tests := []struct {
		in            string
		before, after uintptr
	}{
		{"", unix.MS_SLAVE | unix.MS_REC, 0},
		{"slave", unix.MS_SLAVE, 0},
		{"rslave", unix.MS_SLAVE | unix.MS_REC, 0},
		{"private", unix.MS_PRIVATE, 0},
		{"rprivate", unix.MS_PRIVATE | unix.MS_REC, 0},
		// In force while the mounts are made: a volume from a shared
		// host mount stays in the host's peer group.
		{"shared", unix.MS_SHARED, unix.MS_SHARED},
		{"rshared", unix.MS_SHARED | unix.MS_REC, unix.MS_SHARED | unix.MS_REC},
		// An unbindable mount cannot be a bind source: private until
		// the switch.
		{"unbindable", unix.MS_PRIVATE, unix.MS_UNBINDABLE},
		{"runbindable", unix.MS_PRIVATE | unix.MS_REC, unix.MS_UNBINDABLE | unix.MS_REC},
	}
	for _, tc := range tests {
		b, a, err := rootPropagation(tc.in)
		if err != nil || b != tc.before || a != tc.after {
			t.Errorf("%q: got %#x/%#x/%v, want %#x/%#x", tc.in, b, a, err, tc.before, tc.after)
		}
	}
	if _, _, err := rootPropagation("bogus"); err == nil {
		t.Error("bogus propagation accepted")
	}
}

func TestMergeDevices(t *testing.T) {
	mode := devMode(0o600)
	extra := []specs.LinuxDevice{
		{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: mode},
		{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229},
	}
	got := mergeDevices(defaultDevices, extra)
	if len(got) != len(defaultDevices)+1 {
		t.Fatalf("got %d devices, want %d", len(got), len(defaultDevices)+1)
	}
	seen := map[string]int{}
	for _, d := range got {
		seen[d.Path]++
		if d.Path == "/dev/null" && d.FileMode != mode {
			t.Error("spec /dev/null did not replace the default")
		}
	}
	for p, n := range seen {
		if n != 1 {
			t.Errorf("%s appears %d times", p, n)
		}
	}
	if seen["/dev/fuse"] != 1 || seen["/dev/tty"] != 1 {
		t.Errorf("missing devices: %v", seen)
	}
}

func TestDeviceType(t *testing.T) {
	for in, want := range map[string]uint32{"c": unix.S_IFCHR, "u": unix.S_IFCHR, "b": unix.S_IFBLK, "p": unix.S_IFIFO} {
		if got, err := deviceType(in); err != nil || got != want {
			t.Errorf("%q: got %#o/%v, want %#o", in, got, err, want)
		}
	}
	if _, err := deviceType("x"); err == nil {
		t.Error(`type "x" accepted`)
	}
}

func TestInRoot(t *testing.T) {
	if !inRoot("/a/rootfs", "/a/rootfs/etc") || !inRoot("/a/rootfs", "/a/rootfs") {
		t.Error("paths inside the root rejected")
	}
	if inRoot("/a/rootfs", "/a/rootfs2/etc") || inRoot("/a/rootfs", "/tmp") {
		t.Error("paths outside the root accepted")
	}
	if !inRoot("/", "/proc") {
		t.Error(`"/" root rejected /proc`)
	}
}

// A merged hierarchy is one bind at the host's name with a link per
// controller; name= is dropped; the hybrid unified tree is left out.
func TestCgroupV1Binds(t *testing.T) {
	paths := map[string]string{
		"cpu": "/h/cpu,cpuacct/ct", "cpuacct": "/h/cpu,cpuacct/ct", "memory": "/h/memory/ct",
		"name=systemd": "/h/systemd/ct", "net_cls": "/h/net/ct", "net_prio": "/h/net/ct", "": "/h/unified/ct",
	}
	names := map[string]string{"cpu": "cpu,cpuacct", "cpuacct": "cpu,cpuacct", "memory": "memory",
		"systemd": "systemd", "net_cls": "net_cls,net_prio", "net_prio": "net_cls,net_prio"}
	want := []CgroupBind{
		{Name: "cpu,cpuacct", Source: "/h/cpu,cpuacct/ct", Links: []string{"cpu", "cpuacct"}},
		{Name: "memory", Source: "/h/memory/ct"},
		{Name: "net_cls,net_prio", Source: "/h/net/ct", Links: []string{"net_cls", "net_prio"}},
		{Name: "systemd", Source: "/h/systemd/ct"},
	}
	if got := CgroupV1Binds(paths, names); !reflect.DeepEqual(got, want) {
		t.Errorf("with names:\n got %+v\nwant %+v", got, want)
	}
	// Without the host's names, each controller is its own directory.
	got := CgroupV1Binds(map[string]string{"cpu": "/a", "name=systemd": "/b"}, nil)
	if want := []CgroupBind{{Name: "cpu", Source: "/a"}, {Name: "systemd", Source: "/b"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("without names: got %+v", got)
	}
}
