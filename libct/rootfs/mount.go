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
	CgroupNS    bool              // the container has its own cgroup namespace
	CgroupV2    bool              // the host is pure cgroup v2
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

// cgroupMountName is the directory a v1 controller appears under:
// "name=systemd" -> "systemd", "" (the hybrid unified tree) -> "unified".
func cgroupMountName(ctrl string) string {
	if ctrl == "" {
		return "unified"
	}
	return strings.TrimPrefix(ctrl, "name=")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
