package rootfs

import (
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/specconv"
)

// ExternalMount is a mount Prepare makes from a source outside the
// container. CRIU cannot dump such a mount by itself: it must be told the
// mount is external at dump and where its source is at restore.
type ExternalMount struct {
	Destination string // inside the container
	Source      string // on the host
}

// ExternalMounts lists the mounts Prepare makes of spec with o that come
// from outside the container: bind mounts, the cgroup binds, the host's
// /sys in a user namespace without a network namespace, and device nodes
// bound instead of created. It mirrors mountEntry and setupDev.
func ExternalMounts(spec *specs.Spec, o Options) []ExternalMount {
	var out []ExternalMount
	for _, mnt := range spec.Mounts {
		dest := filepath.Join("/", mnt.Destination)
		mo := parseMountOptions(mnt.Options)
		if mnt.Type == "bind" {
			mo.flags |= unix.MS_BIND
		}
		switch {
		case mo.isBind():
			out = append(out, ExternalMount{dest, mnt.Source})
		case mnt.Type == "cgroup" || mnt.Type == "cgroup2":
			if !o.CgroupV2 {
				for _, b := range CgroupV1Binds(o.CgroupPaths, o.CgroupMountNames) {
					out = append(out, ExternalMount{filepath.Join(dest, b.Name), b.Source})
				}
			} else if src, ok := o.CgroupPaths[""]; ok && !o.CgroupNS {
				out = append(out, ExternalMount{dest, src})
			}
		case mnt.Type == "sysfs" && o.UserNS && !specconv.HasNamespace(spec, specs.NetworkNamespace):
			out = append(out, ExternalMount{dest, "/sys"})
		}
	}
	if o.UserNS && !devIsBindMount(spec.Mounts) {
		var extra []specs.LinuxDevice
		if spec.Linux != nil {
			extra = spec.Linux.Devices
		}
		for _, d := range mergeDevices(defaultDevices, extra) {
			p := filepath.Join("/", d.Path)
			out = append(out, ExternalMount{p, p})
		}
	}
	return out
}

// CreateMountpoint makes path exist inside the directory root (a
// canonical host path), as a directory or an empty file, resolving
// symlinks as if root were "/". CRIU restores mounts onto mountpoints it
// expects to find, as Prepare left them.
func CreateMountpoint(root, path string, dir bool) error {
	r, err := openPath(root, unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := openOrCreate(r, root, path, dir)
	if err != nil {
		return err
	}
	return f.Close()
}
