package rootfs

import (
	"errors"
	"fmt"
	"github.com/rt-runtime/rt/libct/userns"
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

// setupDev creates device nodes and the standard /dev symlinks.
func (m *mounter) setupDev() error {
	var extra []specs.LinuxDevice
	if m.spec.Linux != nil {
		extra = m.spec.Linux.Devices
	}
	// The spec's fileMode is authoritative; the umask must not trim it.
	old := unix.Umask(0)
	defer unix.Umask(old)
	for _, d := range mergeDevices(defaultDevices, extra) {
		if err := m.createDevice(d); err != nil {
			return fmt.Errorf("create device %s: %w", d.Path, err)
		}
	}
	return m.devSymlinks()
}

func (m *mounter) createDevice(d specs.LinuxDevice) error {
	path := filepath.Join("/", d.Path)
	typ, err := deviceType(d.Type)
	if err != nil {
		return err
	}
	if m.opts.UserNS || userns.RunningInUserNS() {
		// mknod is never permitted in a user namespace, neither in the
		// container's nor in one rt was started in (rootless Podman).
		return m.bindDevice(d, path)
	}
	parent, err := mkdirAllInRoot(m.root, filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("create parent directory: %w", err)
	}
	defer parent.Close()
	mode := uint32(0o666)
	if d.FileMode != nil {
		mode = uint32(d.FileMode.Perm())
	}
	base := filepath.Base(path)
	dev := unix.Mkdev(uint32(d.Major), uint32(d.Minor))
	if typ == unix.S_IFIFO {
		dev = 0
	}
	err = unix.Mknodat(int(parent.Fd()), base, typ|mode, int(dev))
	if errors.Is(err, unix.EEXIST) {
		// Already provided by the rootfs image (no tmpfs on /dev).
		return nil
	}
	if err != nil {
		return fmt.Errorf("mknod: %w", err)
	}
	if err := unix.Fchownat(int(parent.Fd()), base, int(uidOf(d)), int(gidOf(d)), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	return nil
}

func uidOf(d specs.LinuxDevice) uint32 {
	if d.UID != nil {
		return *d.UID
	}
	return 0
}

func gidOf(d specs.LinuxDevice) uint32 {
	if d.GID != nil {
		return *d.GID
	}
	return 0
}

// bindDevice bind-mounts the host's node at the same path. The host node
// is checked first so a wrong or missing host device is an error instead
// of a silently different file in the container.
func (m *mounter) bindDevice(d specs.LinuxDevice, path string) error {
	src, err := openPath(path, 0)
	if err != nil {
		return fmt.Errorf("open host device: %w", err)
	}
	defer src.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &st); err != nil {
		return fmt.Errorf("stat host device: %w", err)
	}
	typ, _ := deviceType(d.Type)
	if st.Mode&unix.S_IFMT != typ || (typ != unix.S_IFIFO && st.Rdev != unix.Mkdev(uint32(d.Major), uint32(d.Minor))) {
		return fmt.Errorf("host %s is not device %s %d:%d", path, d.Type, d.Major, d.Minor)
	}
	o := mountOptions{flags: unix.MS_BIND}
	return m.bindSource(&mountSource{f: src, name: path}, path, o)
}

// devSymlinks creates /dev/fd, /dev/std{in,out,err}, /dev/core and points
// /dev/ptmx at the container's own devpts instance when it has one.
func (m *mounter) devSymlinks() error {
	dev, err := mkdirAllInRoot(m.root, "/dev")
	if err != nil {
		return fmt.Errorf("open /dev: %w", err)
	}
	defer dev.Close()
	links := [][2]string{
		{"/proc/self/fd", "fd"},
		{"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"},
		{"/proc/self/fd/2", "stderr"},
	}
	if _, err := os.Stat("/proc/kcore"); err == nil {
		links = append(links, [2]string{"/proc/kcore", "core"})
	}
	for _, l := range links {
		err := unix.Symlinkat(l[0], int(dev.Fd()), l[1])
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("symlink /dev/%s -> %s: %w", l[1], l[0], err)
		}
	}
	if !m.hasDevpts() {
		return nil
	}
	// The host's ptmx would allocate ptys in the host's devpts instance.
	if err := unix.Unlinkat(int(dev.Fd()), "ptmx", 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove /dev/ptmx: %w", err)
	}
	if err := unix.Symlinkat("pts/ptmx", int(dev.Fd()), "ptmx"); err != nil {
		return fmt.Errorf("symlink /dev/ptmx -> pts/ptmx: %w", err)
	}
	return nil
}

func (m *mounter) hasDevpts() bool {
	for _, mnt := range m.spec.Mounts {
		if mnt.Type == "devpts" && filepath.Join("/", mnt.Destination) == "/dev/pts" {
			return true
		}
	}
	return false
}
