// Package rootfs builds the container's filesystem view: it performs the
// spec's mounts inside the rootfs, creates device nodes, switches root and
// applies masked/readonly paths. Every function expects to run in the
// container's own mount namespace on a locked OS thread.
package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux/label"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/specconv"
)

// Options carries what Prepare/Enter need beyond the spec.
type Options struct {
	NoPivot     bool              // MS_MOVE the rootfs onto / and chroot instead of pivot_root
	UserNS      bool              // in a user namespace: bind-mount device nodes instead of mknod
	MountLabel  string            // SELinux mount label ("" = none)
	CgroupPaths map[string]string // container cgroup dirs on the host (controller -> path, "" = unified)
	CgroupNS    bool              // container has its own cgroup namespace
	CgroupV2    bool              // host is pure cgroup v2
	// MountFd asks the runtime outside the container for an fd for
	// spec.Mounts[index], made in the container's mount namespace with the
	// runtime's credentials: for an idmapped mount the detached mount (see
	// DetachedIDMapped), for a plain bind mount an O_PATH handle on the
	// source, which Prepare asks for only in a user namespace and only when
	// the init cannot reach the source itself (a directory only the host's
	// root may search). The caller closes it.
	MountFd func(index int) (*os.File, error) `json:"-"`
}

// Pending is what Prepare leaves for Finish: the tmpfs mounts (and /dev)
// that the spec wants read-only but that stay writable until the devices,
// mount points below them and the console are made, and the propagation
// the new root gets last.
type Pending struct {
	readonly        []pendingRO
	rootPropagation uintptr
}

type pendingRO struct {
	f    *os.File // the root of the mount
	dest string
}

func (p *Pending) close() {
	if p == nil {
		return
	}
	for _, r := range p.readonly {
		r.f.Close()
	}
	p.readonly = nil
}

// mounter holds the state shared by the steps of Prepare.
type mounter struct {
	spec     *specs.Spec
	opts     Options
	root     *os.File // O_PATH handle on the rootfs bind mount
	rootPath string   // canonical host path of the rootfs
	rootArg  string   // the rootfs path as given, cleaned
	pending  *Pending
}

// Prepare gives the mount tree the spec's rootfs propagation, keeps the
// rootfs out of the host's peer groups, bind-mounts the rootfs onto itself, performs spec.Mounts in order and populates /dev.
// The result goes to Finish.
func Prepare(spec *specs.Spec, rootfs string, opts Options) (*Pending, error) {
	if spec == nil {
		return nil, errors.New("prepare rootfs: nil spec")
	}
	p := &Pending{}
	if err := prepare(spec, rootfs, opts, p); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func prepare(spec *specs.Spec, rootfs string, opts Options, p *Pending) error {
	rootPath, err := filepath.EvalSymlinks(rootfs)
	if err != nil {
		return fmt.Errorf("resolve rootfs %s: %w", rootfs, err)
	}
	var propagation string
	if spec.Linux != nil {
		propagation = spec.Linux.RootfsPropagation
	}
	before, after, err := rootPropagation(propagation)
	if err != nil {
		return err
	}
	p.rootPropagation = after
	if err := unix.Mount("", "/", "", before, ""); err != nil {
		return fmt.Errorf("make / %s: %w", propagationName(before), err)
	}
	if err := unshareRootParent(rootPath, before&unix.MS_SLAVE != 0 && propagation != ""); err != nil {
		return err
	}
	// pivot_root needs the new root to be a mount point.
	if err := unix.Mount(rootPath, rootPath, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s onto itself: %w", rootPath, err)
	}
	// Opened after the self-bind so that lookups see the new mount, not
	// the directory underneath it.
	root, err := openPath(rootPath, unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("open rootfs %s: %w", rootPath, err)
	}
	m := &mounter{spec: spec, opts: opts, root: root, rootPath: rootPath,
		rootArg: filepath.Clean(rootfs), pending: p}
	defer func() { m.root.Close() }()
	for i, mnt := range spec.Mounts {
		if err := m.mountEntry(i, mnt); err != nil {
			return err
		}
		if m.containerPath(mnt.Destination) == "/" {
			// A mount on / (runc allows it) is the root from here on:
			// the mounts after it, /dev and pivot_root go onto it.
			root, err := openPath(rootPath, unix.O_DIRECTORY)
			if err != nil {
				return fmt.Errorf("open rootfs %s after mounts[%d]: %w", rootPath, i, err)
			}
			m.root.Close()
			m.root = root
		}
	}
	if devIsBindMount(spec.Mounts) {
		return nil
	}
	return m.setupDev()
}

// unshareRootParent makes the mount that holds the rootfs, and only that
// one, private (or a slave, when the spec asks for slave propagation):
// the rootfs bind-mounted onto itself is a copy of it, and must be in no
// peer group of the host's, or the container's own mounts (proc, dev,
// every volume) would appear on the host; pivot_root refuses it too. As
// runc does, the default keeps it private, not a slave.
func unshareRootParent(rootPath string, slave bool) error {
	flag := uintptr(unix.MS_PRIVATE)
	if slave {
		flag = unix.MS_SLAVE
	}
	for p := rootPath; ; p = filepath.Dir(p) {
		err := unix.Mount("", p, "", flag, "")
		if err == nil {
			return nil
		}
		// EINVAL: p is not a mount point; its parent directory may be.
		if !errors.Is(err, unix.EINVAL) || p == "/" {
			return fmt.Errorf("make %s (the mount holding the rootfs) %s: %w", p, propagationName(flag), err)
		}
	}
}

func propagationName(flags uintptr) string {
	for name, f := range propagationOpts {
		if f == flags {
			return name
		}
	}
	return fmt.Sprintf("propagation %#x", flags)
}

func (m *mounter) mountEntry(i int, mnt specs.Mount) error {
	dest := m.containerPath(mnt.Destination)
	o := parseMountOptions(mnt.Options)
	if mnt.Type == "bind" {
		o.flags |= unix.MS_BIND
	}
	// An idmapped mount is a detached tree with the mapping set, made by
	// rt outside (the mountfd request) at this point of the order, so an
	// earlier mount of the container can be its source.
	if o.idmap || len(mnt.UIDMappings) > 0 || len(mnt.GIDMappings) > 0 {
		return m.idmapMount(i, mnt, dest, o)
	}
	switch {
	case o.isBind():
		src, err := m.openSource(i, mnt.Source, dest)
		if err != nil {
			return err
		}
		defer src.close()
		return m.bindSource(src, dest, o)
	case mnt.Type == "cgroup" || mnt.Type == "cgroup2":
		return m.cgroupMount(mnt, dest, o)
	case mnt.Type == "sysfs" && m.opts.UserNS && !specconv.HasNamespace(m.spec, specs.NetworkNamespace):
		// A user namespace may only mount sysfs when it owns a network
		// namespace; otherwise expose the host's /sys, as runc does.
		o.flags |= unix.MS_BIND | unix.MS_REC
		return m.bindMount("/sys", dest, o)
	default:
		return m.fsMount(mnt, dest, o)
	}
}

// containerPath is the destination as a path inside the container. runc
// accepts a destination spelled as the host path of a place inside the
// rootfs (engines generate these for volumes nested in the rootfs), and
// so does rt: the rootfs prefix is dropped.
func (m *mounter) containerPath(dest string) string {
	dest = filepath.Join("/", dest)
	for _, r := range []string{m.rootArg, m.rootPath} {
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

// noLabelTypes are filesystems that reject an SELinux context= option.
var noLabelTypes = map[string]bool{"proc": true, "sysfs": true, "mqueue": true, "cgroup": true, "cgroup2": true}

// fsMount mounts a new filesystem instance (proc, tmpfs, overlay...) on dest.
func (m *mounter) fsMount(mnt specs.Mount, dest string, o mountOptions) error {
	var dst *os.File
	var err error
	exact := mnt.Type == "proc" || mnt.Type == "sysfs" || dest == "/dev"
	if exact {
		// These must land exactly where the spec says, never through a
		// symlink: masked paths would protect nothing (CVE-2019-19921),
		// and a /dev elsewhere would leave the devices rt makes
		// uncovered.
		if dst, err = m.openExactDir(dest, mnt.Type); err != nil {
			return fmt.Errorf("mount %s on %s: %w", mnt.Type, dest, err)
		}
	} else {
		dst, err = openInRoot(m.root, dest, 0)
		if err == nil && mnt.Type == "tmpfs" {
			// A tmpfs over an existing directory takes its mode, as
			// runc's does (the spec's own mode= comes later and wins).
			var st unix.Stat_t
			if err = unix.Fstat(int(dst.Fd()), &st); err != nil {
				dst.Close()
				return fmt.Errorf("stat %s: %w", dest, err)
			}
			o.data = append([]string{fmt.Sprintf("mode=%04o", st.Mode&0o7777)}, o.data...)
		}
		if errors.Is(err, unix.ENOENT) {
			dst, err = openOrCreate(m.root, m.rootPath, dest, true)
		}
	}
	if err != nil {
		return fmt.Errorf("create mount point for %s: %w", mnt.Type, err)
	}
	defer dst.Close()
	if err := m.checkProcDest(dst, dest, mnt.Type == "proc"); err != nil {
		return err
	}
	var old *os.File
	if o.tmpcopyup {
		if mnt.Type != "tmpfs" {
			return fmt.Errorf("mount %s on %s: tmpcopyup is only for tmpfs", mnt.Type, dest)
		}
		// What the tmpfs will hide, kept open to copy it up.
		if old, err = reopenDir(dst); err != nil {
			return fmt.Errorf("tmpcopyup: open %s: %w", dest, err)
		}
		defer old.Close()
	}
	data := o.dataString()
	if !noLabelTypes[mnt.Type] {
		data = label.FormatMountLabel(data, m.opts.MountLabel)
	}
	flags := o.flags &^ unix.MS_REMOUNT
	// A tmpfs or /dev meant read-only is filled first (devices, copied
	// up content, mount points of later mounts, the console) and made
	// read-only by Finish.
	deferRO := flags&unix.MS_RDONLY != 0 && (mnt.Type == "tmpfs" || dest == "/dev")
	if deferRO {
		flags &^= unix.MS_RDONLY
	}
	mounted, err := mountOnto(m.root, m.rootPath, dst, dest, func(target string) error {
		if err := unix.Mount(mnt.Source, target, mnt.Type, flags, data); err != nil {
			return fmt.Errorf("mount %s on %s: %w", mnt.Type, dest, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	keep := false
	defer func() {
		if !keep {
			mounted.Close()
		}
	}()
	if old != nil {
		if err := copyUp(old, mounted); err != nil {
			return fmt.Errorf("tmpcopyup %s: %w", dest, err)
		}
	}
	if mnt.Type == "mqueue" && m.opts.MountLabel != "" {
		// "/." makes lsetxattr act on the directory, not the magic link.
		if err := label.SetFileLabel(fdPath(mounted)+"/.", m.opts.MountLabel); err != nil {
			return fmt.Errorf("label mqueue on %s: %w", dest, err)
		}
	}
	if err := m.finishMount(mounted, dest, o); err != nil {
		return err
	}
	if deferRO {
		m.pending.readonly = append(m.pending.readonly, pendingRO{f: mounted, dest: dest})
		keep = true
	}
	return nil
}

// openExactDir opens the directory dest inside the rootfs, creating it
// when missing, and refuses it if any component of the path is a symlink
// or if it is not a directory. runc's words for the refusal are kept:
// engines and the upstream tests look for them.
func (m *mounter) openExactDir(dest, fstype string) (*os.File, error) {
	f, err := openNoSymlinks(m.root, dest)
	if errors.Is(err, unix.ENOENT) {
		var d *os.File
		if d, err = mkdirAllInRoot(m.root, dest); err == nil {
			d.Close()
			f, err = openNoSymlinks(m.root, dest)
		}
	}
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		return nil, fmt.Errorf("filesystem %q must be mounted on ordinary directory", fstype)
	}
	return f, err
}

// procMountable are the files below /proc a mount may cover: host-wide
// counters that lxcfs emulates per container, and ns_last_pid for CRIU.
var procMountable = map[string]bool{
	"/proc/cpuinfo": true, "/proc/diskstats": true, "/proc/meminfo": true,
	"/proc/stat": true, "/proc/swaps": true, "/proc/uptime": true,
	"/proc/loadavg": true, "/proc/slabinfo": true, "/proc/net/dev": true,
	"/proc/pressure/cpu": true, "/proc/pressure/io": true, "/proc/pressure/memory": true,
	"/proc/sys/kernel/ns_last_pid": true,
}

// checkProcDest refuses a mount that lands inside the container's /proc,
// wherever the spec's destination pointed: a symlink in the image can send
// an innocent "/data" volume there (CVE-2019-19921, CVE-2023-27561). rt
// itself goes through that /proc after pivot_root, and a mount over, say,
// /proc/thread-self/fd would hand it files of the attacker's choosing.
// Only a procfs may go on /proc itself.
func (m *mounter) checkProcDest(dst *os.File, dest string, isProc bool) error {
	p, err := realPath(dst)
	if err != nil {
		return err
	}
	rel := "/" + strings.TrimPrefix(strings.TrimPrefix(p, m.rootPath), "/")
	switch {
	case rel != "/proc" && !strings.HasPrefix(rel, "/proc/"):
		return nil
	case rel == "/proc" && isProc, procMountable[rel]:
		return nil
	case rel == "/proc":
		return fmt.Errorf("mount on %s: only a procfs may be mounted on /proc", dest)
	}
	return fmt.Errorf("mount on %s: %s is inside /proc, where nothing but procfs and a few emulated files may be mounted", dest, rel)
}

// isProcfs reports whether f is on a procfs (a bind of the host's /proc
// onto the container's is allowed).
func isProcfs(f *os.File) bool {
	var st unix.Statfs_t
	return unix.Fstatfs(int(f.Fd()), &st) == nil && st.Type == unix.PROC_SUPER_MAGIC
}

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
