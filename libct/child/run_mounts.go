package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The mounts of config.json, in order, inside the rootfs (see mounts.go
// for the decisions the parent compiled into each mountSpec).

// cbytes is an arena string with its NUL.
//
//go:nosplit
//go:norace
func (p *Program) cbytes(s str) []byte {
	if s.off < 0 {
		return empty
	}
	return p.arena[s.off : s.off+s.n+1]
}

// mountEntry runs mount i of the spec.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) mountEntry(s *step) syscall.Errno {
	m := &p.mounts[s.n[0]]
	switch m.kind {
	case mkFs:
		e := p.fsMount(m)
		if e == errFallback {
			// cgroup2 without the privilege to mount it here (a user
			// namespace that does not own the cgroup namespace): a bind
			// of the container's cgroup instead, which the mount's own
			// flags (those of a new filesystem) do not make a bind.
			m.flags |= unix.MS_BIND | unix.MS_REC
			return p.bindPath(m, m.fallback)
		}
		return e
	case mkBind:
		src, e := p.openSource(m)
		if e != 0 {
			return e
		}
		e = segBindSource(p, m, src, false)
		closefd(src)
		return e
	case mkIdmap:
		tree, e := p.askFd(KindMountFd, int64(m.index))
		if e != 0 {
			return e
		}
		e = segBindSource(p, m, tree, true)
		closefd(tree)
		return e
	}
	return 0
}

// askFd asks the parent for an fd (a mount's detached tree or bind
// source) and returns it.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) askFd(k Kind, arg int64) (int32, syscall.Errno) {
	if e := p.sendMsg(k, -1, 0, arg, nil, -1); e != 0 {
		return -1, e
	}
	if _, e := p.expect(KindOK); e != 0 {
		return -1, e
	}
	if p.st.nFds != 1 {
		exit(1)
	}
	return p.st.inFds[0], 0
}

// openSource opens a bind source, O_PATH, in mount order (a source inside
// the rootfs shows the mounts made before it). In a user namespace the
// child may not reach a host path the spec names (a directory only the
// host's root may search): the parent opens it then.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) openSource(m *mountSpec) (int32, syscall.Errno) {
	fd, e := sys(unix.SYS_OPENAT, atFdcwd, p.ptr(m.src), unix.O_PATH|unix.O_CLOEXEC, 0, 0, 0)
	if (e == unix.EACCES || e == unix.EPERM) && m.askParent {
		return p.askFd(KindMountFd, int64(m.index))
	}
	if e != 0 {
		// The step's words name the source and the destination.
		p.errDetail("open bind source")
		return -1, e
	}
	return int32(fd), 0
}

// fsMount mounts a new filesystem instance (proc, tmpfs, overlay...).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) fsMount(m *mountSpec) syscall.Errno {
	dst, dn, e := p.fsMountPoint(m)
	if e != 0 {
		return e
	}
	data := p.st.data
	app(data, dn, p.bytes(m.data)) // NUL-terminated; the length is not needed
	known, e := segCheckProcDest(p, m, dst, m.isProc)
	if e != 0 {
		closefd(dst)
		return e
	}
	old := int32(-1)
	if m.copyup {
		// What the tmpfs will hide, kept open to copy it up.
		fd, e2 := sys(unix.SYS_OPENAT, uintptr(dst), cstr(dot), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0, 0, 0)
		if e2 != 0 {
			closefd(dst)
			p.errDetail("tmpcopyup: open")
			return e2
		}
		old = int32(fd)
	}
	mounted, e := segMountOnto(p, m, dst, actMount, -1, known)
	closefd(dst)
	if e != 0 && m.fallback.off >= 0 && (e == unix.EPERM || e == unix.EBUSY) && p.st.errMode == errModeNone {
		closefd(old)
		return errFallback
	}
	if e != 0 {
		closefd(old)
		return e
	}
	if old >= 0 {
		e = segCopyUp(p, old, mounted)
		closefd(old)
		if e != 0 {
			closefd(mounted)
			if p.st.errMode == errModeNone {
				p.errDetail("tmpcopyup")
			}
			return e
		}
	}
	if m.label.n > 0 {
		// "/." makes lsetxattr act on the directory, not the magic link.
		b := fdPath(p.st.fdp[:], mounted)
		apps(p.st.fdp[:], len(b)-1, "/.")
		if _, e = sys(unix.SYS_LSETXATTR, cstr(p.st.fdp[:]), cstr(selinuxXattr), p.ptr(m.label), uintptr(m.label.n), 0, 0); e != 0 {
			closefd(mounted)
			p.errDetail("label mqueue")
			return e
		}
	}
	if e = p.finishMount(m, mounted); e != 0 {
		closefd(mounted)
		return e
	}
	if m.deferRO {
		// Filled first (devices, copied up content, later mount
		// points, the console), made read-only by the last steps.
		p.st.pend[p.st.nPend] = pending{fd: mounted, dest: m.dest}
		p.st.nPend++
		return 0
	}
	closefd(mounted)
	return 0
}

// fsMountPoint opens m's mount point in the rootfs, making it when it is
// missing, and starts st.data with the mode= a tmpfs takes from the
// directory it covers (dn bytes of it, the spec's data to follow).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) fsMountPoint(m *mountSpec) (dst int32, dn int, e syscall.Errno) {
	root := p.st.root
	dest := p.cbytes(m.dest)
	// The data, possibly after a mode= of the covered directory.
	data := p.st.data
	if m.exact {
		// proc, sysfs and /dev land exactly where the spec says, never
		// through a symlink: masked paths would protect nothing
		// (CVE-2019-19921), and a /dev elsewhere would leave the
		// devices rt makes uncovered.
		dst, e = p.openNoSymlinks(root, dest)
		if e == unix.ENOENT {
			var d int32
			if d, e = segMkdirAllInRoot(p, root, dest); e == 0 {
				closefd(d)
				dst, e = p.openNoSymlinks(root, dest)
			}
		}
		if e == unix.ELOOP || e == unix.ENOTDIR {
			p.errDetail("filesystem \"")
			p.errAppStr(m.fstype)
			p.errApps("\" must be mounted on ordinary directory")
			return -1, 0, errCheck
		}
	} else {
		dst, e = p.openInRoot(root, dest, 0)
		if e == 0 && m.tmpfsMode {
			// A tmpfs over an existing directory takes its mode, as
			// runc's does (the spec's own mode= comes later and wins).
			if e = p.fstat(dst); e != 0 {
				closefd(dst)
				p.errDetail("stat")
				return -1, 0, e
			}
			mode := uint64(p.st.stat.Mode & 0o7777)
			dn = apps(data, dn, "mode=0")
			for sh := 9; sh >= 0; sh -= 3 {
				data[dn] = byte('0' + (mode>>uint(sh))&7)
				dn++
			}
			data[dn] = 0
			if m.data.n > 0 {
				dn = apps(data, dn, ",")
			}
		}
		if e == unix.ENOENT {
			dst, e = segOpenOrCreate(p, root, dest, true)
		}
	}
	if e != 0 {
		p.errDetail("create mount point")
		return -1, 0, e
	}
	return dst, dn, 0
}

// errFallback is fsMount's "bind m.fallback instead".
const errFallback = syscall.Errno(0xffe)

var (
	dot          = []byte(".\x00")
	selinuxXattr = []byte("security.selinux\x00")
)

// bindPath binds the host path src on m.dest.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) bindPath(m *mountSpec, src str) syscall.Errno {
	fd, e := sys(unix.SYS_OPENAT, atFdcwd, p.ptr(src), unix.O_PATH|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		p.errDetail("open bind source ")
		p.errAppStr(src)
		return e
	}
	e = segBindSource(p, m, int32(fd), false)
	closefd(int32(fd))
	return e
}

// bindSource attaches src on m.dest and then applies the flags a plain
// MS_BIND ignores. The mount goes through src's fd, so what was checked
// is what gets mounted. A detached src (an idmapped tree) is moved.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) bindSource(m *mountSpec, src int32, detached bool) syscall.Errno {
	if e := p.fstat(src); e != 0 {
		p.errDetail("stat bind source")
		return e
	}
	dir := p.st.stat.Mode&unix.S_IFMT == unix.S_IFDIR
	isProc := false
	if _, e := sys(unix.SYS_FSTATFS, uintptr(src), uintptr(unsafe.Pointer(&p.st.statfs)), 0, 0, 0, 0); e == 0 {
		isProc = p.st.statfs.Type == unix.PROC_SUPER_MAGIC
	}
	dst, e := segOpenOrCreate(p, p.st.root, p.cbytes(m.dest), dir)
	if e != 0 {
		p.errDetail("create mount point")
		return e
	}
	known, e := segCheckProcDest(p, m, dst, isProc)
	if e != 0 {
		closefd(dst)
		return e
	}
	act := actBind
	if detached {
		act = actMove
	}
	mounted, e := segMountOnto(p, m, dst, act, src, known)
	closefd(dst)
	if e != 0 {
		return e
	}
	if m.remount {
		if e = p.remountBind(m, mounted, m.flags, m.cleared); e != 0 {
			closefd(mounted)
			return e
		}
	}
	e = p.finishMount(m, mounted)
	closefd(mounted)
	return e
}

// What mountOnto does to the target.
const (
	actMount   = iota // mount(2) of m's filesystem
	actBind           // bind the O_PATH fd src
	actMove           // move the detached tree src
	actTree           // clone the mount of src (open_tree) and move it
	actTreeRec        // the same with its submounts
	actMask           // an empty read-only tmpfs
)

// mountOnto mounts onto dst (a handle on m.dest in the root), then opens
// m.dest again and checks that a new mount sits exactly where dst was. It
// returns a handle on the root of the new mount. known > 0 says that
// st.pb already holds dst's path, that long (checkProcDest read it just
// before): each readlink through /proc costs about 4 µs.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) mountOnto(m *mountSpec, dst int32, act int, src int32, known int) (int32, syscall.Errno) {
	st := &p.st
	before := st.pb
	bn := known
	if bn <= 0 {
		var e syscall.Errno
		if bn, e = p.realPath(dst, before); e != 0 {
			p.errDetail("readlink ")
			p.errApp(fdPath(st.fdp[:], dst))
			return -1, e
		}
	}
	rootPath := p.bytes(p.rootPath)
	if st.pivoted {
		rootPath = slash[:1]
	}
	if !inRoot(rootPath, before[:bn]) {
		p.errReplace("mount on ")
		p.errAppStr(m.dest)
		p.errApps(": target ")
		p.errApp(before[:bn])
		p.errApps(" is outside the rootfs ")
		p.errApp(rootPath)
		return -1, errCheck
	}
	oldID, e := p.mountID(dst)
	if e != 0 {
		p.errDetail("statx")
		return -1, e
	}
	target := fdPath(st.fdp2[:], dst)
	switch act {
	case actMount:
		flags := uintptr(m.flags) &^ unix.MS_REMOUNT
		if m.deferRO {
			flags &^= unix.MS_RDONLY
		}
		_, e = sys(unix.SYS_MOUNT, p.ptr(m.src), cstr(target), p.ptr(m.fstype), flags, cstr(st.data), 0)
	case actBind:
		source := fdPath(st.fdp[:], src)
		_, e = sys(unix.SYS_MOUNT, cstr(source), cstr(target), 0, uintptr(m.flags)&(unix.MS_BIND|unix.MS_REC), 0, 0)
	case actMove:
		_, e = sys(unix.SYS_MOVE_MOUNT, uintptr(src), cstr(empty), uintptr(dst), cstr(empty), unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH, 0)
	case actTree, actTreeRec:
		e = bindFd(src, dst, act == actTreeRec)
	case actMask:
		// A wrong target (an fd name redirected through the
		// container's /proc) fails the mount ID check below.
		_, e = sys(unix.SYS_MOUNT, cstr(tmpfsName), cstr(target), cstr(tmpfsName), unix.MS_RDONLY, p.ptr(m.data), 0)
	}
	if e != 0 {
		return -1, e
	}
	var mounted int32
	if m.onRoot {
		// Onto the root itself: st.root is the handle on the mount now
		// covered, whose "/" is itself; the new one is what the rootfs
		// path (resolved from the host before any mount) shows.
		var fd uintptr
		fd, e = sys(unix.SYS_OPENAT, atFdcwd, p.ptr(p.rootPath), unix.O_PATH|unix.O_CLOEXEC, 0, 0, 0)
		mounted = int32(fd)
	} else {
		mounted, e = p.openInRoot(st.root, p.cbytes(m.dest), 0)
	}
	if e != 0 {
		p.errDetail("reopen after mount")
		return -1, e
	}
	after := st.pc
	an, e := p.realPath(mounted, after)
	if e == 0 && !eq(after[:an], before[:bn]) {
		closefd(mounted)
		p.errReplace("mount on ")
		p.errAppStr(m.dest)
		p.errApps(": destination moved from ")
		p.errApp(before[:bn])
		p.errApps(" to ")
		p.errApp(after[:an])
		p.errApps(" during mount")
		return -1, errCheck
	}
	var newID uint64
	if e == 0 {
		newID, e = p.mountID(mounted)
	}
	if e != 0 {
		closefd(mounted)
		return -1, e
	}
	if newID == oldID {
		closefd(mounted)
		p.errReplace("mount on ")
		p.errAppStr(m.dest)
		p.errApps(": no new mount found at ")
		p.errApp(after[:an])
		return -1, errCheck
	}
	return mounted, 0
}

var tmpfsName = []byte("tmpfs\x00")

// bindFd attaches a copy of the mount of src (just what src names, with
// its submounts when recursive) on top of dst, both by fd: no name goes
// through the /proc mounted at the time, which after pivot_root is the
// container's (CVE-2025-52881).
//
//go:noinline
//go:nosplit
//go:norace
func bindFd(src, dst int32, recursive bool) syscall.Errno {
	flags := uintptr(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC | unix.AT_EMPTY_PATH)
	if recursive {
		flags |= unix.AT_RECURSIVE
	}
	tree, e := sys(unix.SYS_OPEN_TREE, uintptr(src), cstr(empty), flags, 0, 0, 0)
	if e != 0 {
		return e
	}
	_, e = sys(unix.SYS_MOVE_MOUNT, tree, cstr(empty), uintptr(dst), cstr(empty), unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH, 0)
	closefd(int32(tree))
	return e
}

// inRoot reports whether the host path b is root itself or below it.
//
//go:nosplit
//go:norace
func inRoot(root, b []byte) bool {
	if len(root) == 1 && root[0] == '/' {
		return len(b) > 0 && b[0] == '/'
	}
	return eq(b, root) || len(b) > len(root) && hasPrefix(b, root) && b[len(root)] == '/'
}

// procMountable are the files below /proc a mount may cover: host-wide
// counters that lxcfs emulates per container, and ns_last_pid for CRIU.
var procMountable = [...]string{
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
	"/proc/swaps", "/proc/uptime", "/proc/loadavg", "/proc/slabinfo",
	"/proc/net/dev", "/proc/pressure/cpu", "/proc/pressure/io",
	"/proc/pressure/memory", "/proc/sys/kernel/ns_last_pid",
}

// checkProcDest refuses a mount that lands inside the container's /proc,
// wherever the spec's destination pointed: a symlink in the image can send
// an innocent "/data" volume there (CVE-2019-19921, CVE-2023-27561). rt
// itself goes through that /proc after pivot_root. Only a procfs may go
// on /proc itself. It leaves dst's path in st.pb and returns its length,
// for mountOnto.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) checkProcDest(m *mountSpec, dst int32, isProc bool) (int, syscall.Errno) {
	b := p.st.pb
	n, e := p.realPath(dst, b)
	if e != 0 {
		p.errDetail("readlink ")
		p.errApp(fdPath(p.st.fdp[:], dst))
		return 0, e
	}
	rel := b[:n]
	if root := p.bytes(p.rootPath); !p.st.pivoted && hasPrefix(rel, root) {
		rel = rel[len(root):]
	}
	// rel is "/..." below the root, or empty for the root itself.
	if !hasPrefix(rel, procDir) || len(rel) > len(procDir) && rel[len(procDir)] != '/' {
		return n, 0
	}
	if len(rel) == len(procDir) {
		if isProc {
			return n, 0
		}
		p.errReplace("mount on ")
		p.errAppStr(m.dest)
		p.errApps(": only a procfs may be mounted there")
		return 0, errCheck
	}
	for i := 0; i < len(procMountable); i++ {
		s := procMountable[i]
		if len(s) == len(rel) && hasPrefixStr(rel, s) {
			return n, 0
		}
	}
	p.errReplace("mount on ")
	p.errAppStr(m.dest)
	if !eq(p.bytes(m.dest), rel) {
		// A symlink sent it there.
		p.errApps(": resolves to ")
		p.errApp(rel)
	}
	p.errApps(": inside /proc, where nothing but procfs and a few emulated files may be mounted")
	return 0, errCheck
}

var procDir = []byte("/proc")

//go:nosplit
//go:norace
func hasPrefixStr(b []byte, s string) bool {
	if len(b) < len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b[i] != s[i] {
			return false
		}
	}
	return true
}

// finishMount applies propagation and recursive (mount_setattr) options.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) finishMount(m *mountSpec, mounted int32) syscall.Errno {
	for i := 0; i < int(m.nprop); i++ {
		target := fdPath(p.st.fdp2[:], mounted)
		if _, e := sys(unix.SYS_MOUNT, 0, cstr(target), 0, uintptr(m.prop[i]), 0, 0); e != 0 {
			p.errDetail("make it ")
			p.errAppStr(m.propName[i])
			return e
		}
	}
	if !m.recursive {
		return 0
	}
	attr := &p.st.attr
	*attr = unix.MountAttr{Attr_set: m.attrSet, Attr_clr: m.attrClr, Propagation: m.attrProp}
	if _, e := sys(unix.SYS_MOUNT_SETATTR, uintptr(mounted), cstr(empty), unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, uintptr(unsafe.Pointer(attr)), unsafe.Sizeof(*attr), 0); e != 0 {
		p.errDetail("mount_setattr")
		return e
	}
	return 0
}

var stToMS = [...][2]uint64{
	{unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV},
	{unix.ST_NOEXEC, unix.MS_NOEXEC}, {unix.ST_RDONLY, unix.MS_RDONLY},
	{unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME},
	{unix.ST_RELATIME, unix.MS_RELATIME}, {0x2000 /* ST_NOSYMFOLLOW */, unix.MS_NOSYMFOLLOW},
}
