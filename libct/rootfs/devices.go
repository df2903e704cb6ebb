package rootfs

import (
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func devMode(m os.FileMode) *os.FileMode { return &m }

// defaultDevices are created in every container whose /dev is not a bind
// mount; spec devices with the same path replace them.
var defaultDevices = []specs.LinuxDevice{
	{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: devMode(0o666)},
	{Path: "/dev/zero", Type: "c", Major: 1, Minor: 5, FileMode: devMode(0o666)},
	{Path: "/dev/full", Type: "c", Major: 1, Minor: 7, FileMode: devMode(0o666)},
	{Path: "/dev/random", Type: "c", Major: 1, Minor: 8, FileMode: devMode(0o666)},
	{Path: "/dev/urandom", Type: "c", Major: 1, Minor: 9, FileMode: devMode(0o666)},
	{Path: "/dev/tty", Type: "c", Major: 5, Minor: 0, FileMode: devMode(0o666)},
}

// mergeDevices returns defaults followed by spec devices, a spec device
// replacing a default with the same path.
func mergeDevices(defaults, extra []specs.LinuxDevice) []specs.LinuxDevice {
	override := make(map[string]bool, len(extra))
	for _, d := range extra {
		override[filepath.Join("/", d.Path)] = true
	}
	var out []specs.LinuxDevice
	for _, d := range defaults {
		if !override[d.Path] {
			out = append(out, d)
		}
	}
	return append(out, extra...)
}

// deviceType maps the spec's device type letter to the S_IF* bits.
func deviceType(t string) (uint32, error) {
	switch t {
	case "c", "u":
		return unix.S_IFCHR, nil
	case "b":
		return unix.S_IFBLK, nil
	case "p":
		return unix.S_IFIFO, nil
	}
	return 0, fmt.Errorf("unknown device type %q", t)
}
