package child

import (
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux/label"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/rootfs"
	"github.com/rt-runtime/rt/libct/specconv"
)

// The rootfs before pivot_root: "/" made slave (or private), the rootfs
// bound onto itself (pivot_root wants a mount point), then config.json's
// mounts in order and /dev. run_mounts.go does each mount inside the
// rootfs by fd; what is decided here is everything that does not depend
// on the tree as the child finds it.

// rootfsOpts is what the mounts need beyond the spec.
type rootfsOpts struct {
	userNS      bool
	mountLabel  string
	cgroupPaths map[string]string
	// cgroupMountNames: rootfs.Options.CgroupMountNames.
	cgroupMountNames map[string]string
	cgroupNS         bool
	cgroupV2         bool
}

// prepareRootfs adds the steps up to pivot_root.
func (c *compiler) prepareRootfs(o rootfsOpts) error {
	p, spec := c.p, c.cfg.Spec
	var prop string
	if spec.Linux != nil {
		prop = spec.Linux.RootfsPropagation
	}
	before, _, err := rootfs.RootPropagation(prop)
	if err != nil {
		return err
	}
	rootPath := c.cfg.Rootfs
	p.rootPath = p.str(rootPath)
	s := p.addOp(opMount, "make / "+rootfs.PropagationName(before))
	s.s = [4]str{none, p.str("/"), none, none}
	s.n[0] = int64(before)
	c.unshareRootHolder(rootPath, before&unix.MS_SLAVE != 0 && prop != "")
	s = p.addOp(opMount, fmt.Sprintf("bind rootfs %s onto itself", rootPath))
	s.s = [4]str{p.str(rootPath), p.str(rootPath), none, none}
	s.n[0] = unix.MS_BIND | unix.MS_REC
	// Opened after the self-bind so that lookups see the new mount, not
	// the directory underneath it.
	s = p.addOp(opOpenRoot, "open rootfs "+rootPath)
	s.s[0] = p.str(rootPath)
	rootArg := filepath.Clean(c.cfg.Spec.Root.Path)
	if !filepath.IsAbs(rootArg) {
		rootArg = filepath.Join(c.cfg.Bundle, rootArg)
	}
	for i, mnt := range spec.Mounts {
		if err := c.mount(i, mnt, o, rootArg); err != nil {
			return err
		}
		if c.containerPath(mnt.Destination, rootArg) == "/" {
			// A mount on / (runc allows it) is the root from here on:
			// the mounts after it, /dev and pivot_root go onto it.
			s = p.addOp(opOpenRoot, fmt.Sprintf("open rootfs %s after mounts[%d]", rootPath, i))
			s.s[0] = p.str(rootPath)
		}
	}
	if !rootfs.DevIsBindMount(spec.Mounts) {
		return c.devices(o)
	}
	return nil
}

// unshareRootHolder adds the step that makes the mount holding the rootfs,
// and only that one, private (a slave when the spec asks for slave
// propagation): the rootfs bound onto itself is a copy of it, and must be
// in no peer group of the host's, or the container's own mounts (proc,
// dev, every volume) would appear on the host; pivot_root refuses it too.
// The default keeps it private, not a slave, as runc does. Which directory
// is that mount point is known only in the child's mount namespace: the
// step tries the rootfs and each parent directory in turn.
func (c *compiler) unshareRootHolder(rootPath string, slave bool) {
	p := c.p
	flag := uintptr(unix.MS_PRIVATE)
	if slave {
		flag = unix.MS_SLAVE
	}
	var dirs []string
	for d := rootPath; ; d = filepath.Dir(d) {
		dirs = append(dirs, d)
		if d == "/" || d == "." {
			break
		}
	}
	s := p.addOp(opMountHolder, "make the mount holding the rootfs "+rootfs.PropagationName(flag))
	s.v = p.strs(dirs)
	s.s[0] = p.str(rootfs.PropagationName(flag))
	s.n[0] = int64(flag)
}

// containerPath is the destination as a path inside the container. runc
// accepts a destination spelled as the host path of a place inside the
// rootfs (engines generate these for volumes nested in the rootfs), and
// so does rt: the rootfs prefix is dropped.
func (c *compiler) containerPath(dest, rootArg string) string {
	dest = filepath.Join("/", dest)
	for _, r := range []string{rootArg, c.cfg.Rootfs} {
		if r == "/" || !filepath.IsAbs(r) {
			continue
		}
		if dest == r {
			return "/"
		}
		if rest, ok := strings.CutPrefix(dest, r+"/"); ok {
			return "/" + rest
		}
	}
	return dest
}

// mount adds the step of spec mount i.
func (c *compiler) mount(i int, mnt specs.Mount, o rootfsOpts, rootArg string) error {
	dest := c.containerPath(mnt.Destination, rootArg)
	mo := rootfs.ParseMountOpts(mnt)
	m := mountSpec{index: int32(i), src: none, fstype: none, data: none, label: none, fallback: none}
	switch {
	case mo.IDMap || len(mnt.UIDMappings) > 0 || len(mnt.GIDMappings) > 0:
		// A detached tree with the mapping set, made by the parent at
		// this point of the order (KindMountFd), so that an earlier
		// mount of the container can be its source.
		m.kind = mkIdmap
		return c.addMount(&m, mnt.Source, dest, mo, fmt.Sprintf("mount %s on %s", mnt.Source, dest))
	case mo.Flags&unix.MS_BIND != 0:
		m.kind = mkBind
		// In a user namespace the child may be refused a source only
		// the host's root can reach: the parent opens it then.
		m.askParent = o.userNS
		return c.addMount(&m, mnt.Source, dest, mo, fmt.Sprintf("bind %s on %s", mnt.Source, dest))
	case mnt.Type == "cgroup" || mnt.Type == "cgroup2":
		return c.cgroupMount(i, mnt, dest, mo, o)
	case mnt.Type == "sysfs" && o.userNS && !specconv.HasNamespace(c.cfg.Spec, specs.NetworkNamespace):
		// A user namespace may only mount sysfs when it owns a network
		// namespace; otherwise the host's /sys is exposed, as runc does.
		m.kind = mkBind
		mo.Flags |= unix.MS_BIND | unix.MS_REC
		return c.addMount(&m, "/sys", dest, mo, "bind /sys on "+dest)
	default:
		return c.fsMount(&m, mnt.Type, mnt.Source, dest, mo, o)
	}
}

// fsMount adds a mount of a new filesystem instance.
func (c *compiler) fsMount(m *mountSpec, fstype, source, dest string, mo rootfs.MountOpts, o rootfsOpts) error {
	m.kind = mkFs
	m.fstype = c.p.str(fstype)
	// proc, sysfs and /dev land exactly where the spec says, never
	// through a symlink.
	m.exact = fstype == "proc" || fstype == "sysfs" || dest == "/dev"
	m.isProc = fstype == "proc"
	m.tmpfsMode = fstype == "tmpfs" && !m.exact
	if mo.Tmpcopyup {
		if fstype != "tmpfs" {
			return fmt.Errorf("mount %s on %s: tmpcopyup is only for tmpfs", fstype, dest)
		}
		m.copyup = true
	}
	data := strings.Join(mo.Data, ",")
	if !rootfs.NoLabelType(fstype) {
		data = label.FormatMountLabel(data, o.mountLabel)
	}
	if len(data)+16 > 2*pathMax {
		return fmt.Errorf("mount %s on %s: the options are too long (%d bytes)", fstype, dest, len(data))
	}
	m.data = c.p.opt(data)
	// A tmpfs or /dev meant read-only is filled first (devices, copied
	// up content, mount points of later mounts, the console) and made
	// read-only at the end.
	m.deferRO = mo.Flags&unix.MS_RDONLY != 0 && (fstype == "tmpfs" || dest == "/dev")
	if fstype == "mqueue" && o.mountLabel != "" {
		m.label = c.p.str(o.mountLabel)
	}
	return c.addMount(m, source, dest, mo, fmt.Sprintf("mount %s on %s", fstype, dest))
}

// addMount fills in what every kind of mount has and adds its step.
func (c *compiler) addMount(m *mountSpec, source, dest string, mo rootfs.MountOpts, what string) error {
	p := c.p
	m.dest = p.str(dest)
	m.onRoot = dest == "/"
	if m.kind != mkFs || source != "" {
		m.src = p.str(source)
	}
	m.flags = uint64(mo.Flags)
	m.cleared = uint64(mo.Cleared)
	m.remount = mo.NeedsRemount()
	if len(mo.Propagation) > len(m.prop) {
		return fmt.Errorf("mount %s: more than %d propagation options", dest, len(m.prop))
	}
	for i, pr := range mo.Propagation {
		m.prop[i] = uint64(pr)
		m.propName[i] = p.str(rootfs.PropagationName(pr))
	}
	m.nprop = int32(len(mo.Propagation))
	if mo.Recursive {
		m.recursive = true
		m.attrSet, m.attrClr, m.attrProp = mo.Attr.Attr_set, mo.Attr.Attr_clr, mo.Attr.Propagation
	}
	p.mounts = append(p.mounts, *m)
	s := p.addOp(opMountEntry, what)
	s.n[0] = int64(len(p.mounts) - 1)
	return nil
}

// cgroupMount: the container must only see its own cgroup, so on v1 (and
// on v2 without a cgroup namespace) the container's host directories are
// bound rather than a fresh hierarchy that would show the host's root.
func (c *compiler) cgroupMount(i int, mnt specs.Mount, dest string, mo rootfs.MountOpts, o rootfsOpts) error {
	if o.cgroupV2 {
		src, ok := o.cgroupPaths[""]
		m := mountSpec{index: int32(i), src: none, fstype: none, data: none, label: none, fallback: none}
		if o.cgroupNS {
			if ok {
				// Without the privilege to mount cgroup2 here (a user
				// namespace that does not own the cgroup namespace)
				// the child binds the container's cgroup instead.
				m.fallback = c.p.str(src)
			}
			return c.fsMount(&m, "cgroup2", "cgroup2", dest, mo, o)
		}
		if !ok {
			return fmt.Errorf("mount cgroup on %s: no unified cgroup path for the container", dest)
		}
		m.kind = mkBind
		mo.Flags |= unix.MS_BIND | unix.MS_REC
		return c.addMount(&m, src, dest, mo, fmt.Sprintf("bind cgroup %s on %s", src, dest))
	}
	// v1: as runc and crun, a tmpfs (writable whatever the mount's flags:
	// it is the container's own) holding one bind per hierarchy, read-only
	// when the mount is, and a link per controller of a merged one.
	const keep = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	tmpfsOpts := rootfs.MountOpts{Flags: mo.Flags & keep, Data: []string{"mode=755"}}
	m := mountSpec{index: -1, src: none, fstype: none, data: none, label: none, fallback: none}
	if err := c.fsMount(&m, "tmpfs", "tmpfs", dest, tmpfsOpts, o); err != nil {
		return err
	}
	bindOpts := rootfs.MountOpts{Flags: unix.MS_BIND | unix.MS_REC | mo.Flags&(keep|unix.MS_RDONLY)}
	var links strings.Builder
	for _, b := range rootfs.CgroupV1Binds(o.cgroupPaths, o.cgroupMountNames) {
		sub := filepath.Join(dest, b.Name)
		bm := mountSpec{kind: mkBind, index: -1, src: none, fstype: none, data: none, label: none, fallback: none}
		if err := c.addMount(&bm, b.Source, sub, bindOpts, fmt.Sprintf("mount cgroup %q on %s", b.Name, sub)); err != nil {
			return err
		}
		for _, l := range b.Links {
			links.WriteString(b.Name + "\x00" + l + "\x00")
		}
	}
	if links.Len() > 0 {
		s := c.p.addOp(opSymlinks, "cgroup symlinks in "+dest)
		s.s[0], s.s[1] = c.p.str(links.String()), c.p.str(dest)
	}
	return nil
}

// devices adds the device nodes and the /dev symlinks.
func (c *compiler) devices(o rootfsOpts) error {
	p := c.p
	// The spec's fileMode is authoritative: no umask.
	s := p.addOp(opUmask, "umask")
	s.n[0] = 0
	for _, d := range rootfs.Devices(c.cfg.Spec) {
		path := filepath.Join("/", d.Path)
		typ, err := rootfs.DeviceType(d.Type)
		if err != nil {
			return fmt.Errorf("create device %s: %w", path, err)
		}
		mode := uint32(0o666)
		if d.FileMode != nil {
			mode = uint32(d.FileMode.Perm())
		}
		dev := unix.Mkdev(uint32(d.Major), uint32(d.Minor))
		ds := deviceSpec{
			path: p.str(path), dir: p.str(filepath.Dir(path)), base: p.str(filepath.Base(path)),
			typName: p.str(d.Type), typ: typ, mode: mode, dev: dev, rdev: dev,
			// mknod is never permitted in a user namespace, neither the
			// container's nor one rt was started in (rootless Podman).
			bind: o.userNS || runningInUserNS(),
		}
		if typ == unix.S_IFIFO {
			ds.rdev = 0
		}
		if d.UID != nil {
			ds.uid = *d.UID
		}
		if d.GID != nil {
			ds.gid = *d.GID
		}
		p.devices = append(p.devices, ds)
		s := p.addOp(opDevice, "create device "+path)
		s.n[0] = int64(len(p.devices) - 1)
	}
	s = p.addOp(opUmask, "umask")
	s.n[0] = -1
	links := "/proc/self/fd\x00fd\x00/proc/self/fd/0\x00stdin\x00/proc/self/fd/1\x00stdout\x00/proc/self/fd/2\x00stderr\x00"
	if _, err := statOK("/proc/kcore"); err == nil {
		links += "/proc/kcore\x00core\x00"
	}
	// /dev/ptmx -> pts/ptmx, with or without a devpts on /dev/pts (as
	// runc and crun): an image's own ptmx node never stays.
	s = p.addOp(opSymlinks, "/dev symlinks")
	s.s[0], s.s[1] = p.str(links), p.str("/dev")
	s.n[0] = 1
	return nil
}
