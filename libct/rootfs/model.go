package rootfs

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// What libct/child's step compiler reads of the rootfs model: the parsed
// mount options, the devices every container gets and the small decisions
// Prepare makes, so that both build the same container.

// MountOpts is a spec mount's options, parsed.
type MountOpts struct {
	Flags       uintptr   // MS_* flags for mount(2)
	Cleared     uintptr   // MS_* flags the spec turned off explicitly
	Propagation []uintptr // MS_SHARED, MS_SLAVE... applied one by one after the mount
	Attr        unix.MountAttr
	Recursive   bool // Attr is applied with mount_setattr(AT_RECURSIVE)
	IDMap       bool
	Tmpcopyup   bool
	Data        []string
}

// ParseMountOpts parses a spec mount's options; a "bind" mount type adds
// MS_BIND.
func ParseMountOpts(mnt specs.Mount) MountOpts {
	o := parseMountOptions(mnt.Options)
	if mnt.Type == "bind" {
		o.flags |= unix.MS_BIND
	}
	return MountOpts{
		Flags: o.flags, Cleared: o.cleared, Propagation: o.propagation, Attr: o.attr,
		Recursive: o.recursive, IDMap: o.idmap, Tmpcopyup: o.tmpcopyup, Data: o.data,
	}
}

// NeedsRemount reports whether a bind mount needs a second MS_REMOUNT
// call for its flags (see mountOptions.needsRemount).
func (o MountOpts) NeedsRemount() bool {
	return o.Flags&^(unix.MS_BIND|unix.MS_REC|unix.MS_REMOUNT) != 0 || o.Cleared != 0
}

// Devices is the device list of a container whose /dev is not a bind
// mount: the defaults, a spec device with the same path replacing one.
func Devices(spec *specs.Spec) []specs.LinuxDevice {
	var extra []specs.LinuxDevice
	if spec.Linux != nil {
		extra = spec.Linux.Devices
	}
	return mergeDevices(defaultDevices, extra)
}

// DeviceType maps the spec's device type letter to the S_IF* bits.
func DeviceType(t string) (uint32, error) { return deviceType(t) }

// DevIsBindMount reports whether the spec binds /dev from elsewhere (then
// no device is made).
func DevIsBindMount(mounts []specs.Mount) bool { return devIsBindMount(mounts) }

// RootPropagation maps linux.rootfsPropagation to the propagation of "/"
// before anything is mounted and of the new root after the switch.
func RootPropagation(p string) (before, after uintptr, err error) { return rootPropagation(p) }

// PropagationName spells MS_* propagation flags as an option.
func PropagationName(flags uintptr) string {
	for name, f := range propagationOpts {
		if f == flags {
			return name
		}
	}
	return fmt.Sprintf("propagation %#x", flags)
}

// NoLabelTypes are filesystems that reject an SELinux context= option.
func NoLabelType(fstype string) bool { return noLabelTypes[fstype] }
