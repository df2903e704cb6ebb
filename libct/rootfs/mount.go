// Package rootfs is the model of a container's root filesystem that the
// runtime reads outside the container: the mount options of config.json,
// the devices every container gets, the mounts that come from outside it
// (CRIU must be told of them), the detached idmapped mounts rt makes for
// an init, and mountpoints made in a rootfs by fd. The container's init
// builds the rootfs itself, from the steps libct/child compiles out of
// this model.
package rootfs

import (
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Options carries what the mounts depend on beyond the spec.
type Options struct {
	UserNS      bool              // in a user namespace: device nodes are bound, not made
	CgroupPaths map[string]string // the container's cgroup dirs on the host (controller -> path, "" = unified)
	// CgroupMountNames: v1 controller (name= dropped) -> the base name of
	// its hierarchy's mountpoint on the host (cgroups.V1MountNames).
	CgroupMountNames map[string]string
	CgroupNS         bool // the container has its own cgroup namespace
	CgroupV2         bool // the host is pure cgroup v2
}

// noLabelTypes are filesystems that reject an SELinux context= option.
var noLabelTypes = map[string]bool{"proc": true, "sysfs": true, "mqueue": true, "cgroup": true, "cgroup2": true}

func devIsBindMount(mounts []specs.Mount) bool {
	for _, mnt := range mounts {
		if filepath.Join("/", mnt.Destination) != "/dev" {
			continue
		}
		if mnt.Type == "bind" || parseMountOptions(mnt.Options).isBind() {
			return true
		}
	}
	return false
}

// HasCgroupMount tells whether mounts has a cgroup (or cgroup2) one.
func HasCgroupMount(mounts []specs.Mount) bool {
	for _, m := range mounts {
		if m.Type == "cgroup" || m.Type == "cgroup2" {
			return true
		}
	}
	return false
}

// CgroupBind is one v1 hierarchy in a container's cgroup mount: the
// container's directory Source bound at Name under the mount, and a
// symlink to Name for each of Links.
type CgroupBind struct {
	Name, Source string
	Links        []string
}

// CgroupV1Binds lays out a cgroup mount on a v1 host as runc and crun do:
// one bind per hierarchy, named after its mountpoint on the host
// (names: controller -> the mountpoint's base name, "cpu,cpuacct" where
// the two are mounted together), and for such a hierarchy of several
// controllers a symlink named after each of them (cpu -> cpu,cpuacct).
// The hybrid host's unified tree ("") is left out, as runc and crun
// leave it. A controller names lacks is named after itself, name=
// dropped.
func CgroupV1Binds(paths, names map[string]string) []CgroupBind {
	byName := map[string]*CgroupBind{}
	var order []string
	for ctrl, src := range paths {
		if ctrl == "" {
			continue
		}
		ctrl = strings.TrimPrefix(ctrl, "name=")
		name := names[ctrl]
		if name == "" {
			name = ctrl
		}
		b := byName[name]
		if b == nil {
			b = &CgroupBind{Name: name, Source: src}
			byName[name] = b
			order = append(order, name)
		}
		if ctrl != name {
			b.Links = append(b.Links, ctrl)
		}
	}
	sort.Strings(order)
	out := make([]CgroupBind, 0, len(order))
	for _, n := range order {
		sort.Strings(byName[n].Links)
		out = append(out, *byName[n])
	}
	return out
}
