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
)

// Options carries what Prepare/Enter need beyond the spec.
type Options struct {
	NoPivot     bool              // MS_MOVE the rootfs onto / and chroot instead of pivot_root
	UserNS      bool              // in a user namespace: bind-mount device nodes instead of mknod
	MountLabel  string            // SELinux mount label ("" = none)
	CgroupPaths map[string]string // container cgroup dirs on the host (controller -> path, "" = unified)
	CgroupNS    bool              // container has its own cgroup namespace
	CgroupV2    bool              // host is pure cgroup v2
	// RootPropagation is linux.rootfsPropagation: Enter applies it to the
	// new root, since pivot_root refuses a shared one.
	RootPropagation string
	// MountFd asks the runtime for an idmapped mount of mnt, made detached
	// (see DetachedIDMapped), or for a bind mount the source the init
	// could not open (OpenBindSource); the caller closes it.
	MountFd func(mnt specs.Mount) (*os.File, error) `json:"-"`
}

// mounter holds the state shared by the steps of Prepare.
type mounter struct {
	spec     *specs.Spec
	opts     Options
	root     *os.File // O_PATH handle on the rootfs bind mount
	rootPath string   // canonical host path of the rootfs
}

// Prepare makes the mount tree private to the container, bind-mounts the
// rootfs onto itself, performs spec.Mounts in order and populates /dev.
func Prepare(spec *specs.Spec, rootfs string, opts Options) error {
	if spec == nil {
		return errors.New("prepare rootfs: nil spec")
	}
	rootPath, err := filepath.EvalSymlinks(rootfs)
	if err != nil {
		return fmt.Errorf("resolve rootfs %s: %w", rootfs, err)
	}
	var propagation string
	if spec.Linux != nil {
		propagation = spec.Linux.RootfsPropagation
	}
	before, _, err := rootPropagation(propagation)
	if err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", before, ""); err != nil {
		return fmt.Errorf("make / %s: %w", propagationName(before), err)
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
	defer root.Close()
	m := &mounter{spec: spec, opts: opts, root: root, rootPath: rootPath}
	for _, mnt := range spec.Mounts {
		if err := m.mountEntry(mnt); err != nil {
			return err
		}
	}
	if devIsBindMount(spec.Mounts) {
		return nil
	}
	return m.setupDev()
}

func propagationName(flags uintptr) string {
	for name, f := range propagationOpts {
		if f == flags {
			return name
		}
	}
	return fmt.Sprintf("propagation %#x", flags)
}

func (m *mounter) mountEntry(mnt specs.Mount) error {
	dest := filepath.Join("/", mnt.Destination)
	o := parseMountOptions(mnt.Options)
	if mnt.Type == "bind" {
		o.flags |= unix.MS_BIND
	}
	if o.idmap || len(mnt.UIDMappings) > 0 || len(mnt.GIDMappings) > 0 {
		return m.idmapMount(mnt, dest, o)
	}
	if o.tmpcopyup {
		return fmt.Errorf("mount %s on %s: tmpcopyup is not supported", mnt.Source, dest)
	}
	switch {
	case o.isBind():
		return m.bindMount(mnt.Source, dest, o)
	case mnt.Type == "cgroup" || mnt.Type == "cgroup2":
		return m.cgroupMount(mnt, dest, o)
	case mnt.Type == "sysfs" && m.opts.UserNS && !m.hasNamespace(specs.NetworkNamespace):
		// A user namespace may only mount sysfs when it owns a network
		// namespace; otherwise expose the host's /sys, as runc does.
		o.flags |= unix.MS_BIND | unix.MS_REC
		return m.bindMount("/sys", dest, o)
	default:
		return m.fsMount(mnt, dest, o)
	}
}

func (m *mounter) hasNamespace(t specs.LinuxNamespaceType) bool {
	if m.spec.Linux == nil {
		return false
	}
	for _, ns := range m.spec.Linux.Namespaces {
		if ns.Type == t {
			return true
		}
	}
	return false
}

// bindMount binds the host path source onto dest inside the rootfs and then
// applies the flags a plain MS_BIND ignores.
func (m *mounter) bindMount(source, dest string, o mountOptions) error {
	src, err := openPath(source, 0)
	if err != nil && m.opts.UserNS {
		src, err = m.sourceFromRuntime(source, err)
	}
	if err != nil {
		return fmt.Errorf("open bind source %s for %s: %w", source, dest, err)
	}
	defer src.Close()
	return m.bindFile(src, source, dest, o)
}

// bindFile binds the already opened src onto dest; the mount uses src's
// magic link so what we stat is what gets mounted.
func (m *mounter) bindFile(src *os.File, source, dest string, o mountOptions) error {
	st, err := src.Stat()
	if err != nil {
		return fmt.Errorf("stat bind source %s: %w", source, err)
	}
	dst, err := openOrCreate(m.root, m.rootPath, dest, st.IsDir())
	if err != nil {
		return fmt.Errorf("create mount point for %s: %w", source, err)
	}
	defer dst.Close()
	if err := m.checkProcDest(dst, dest, isProcfs(src)); err != nil {
		return err
	}
	mounted, err := mountOnto(m.root, m.rootPath, dst, dest, func(target string) error {
		if err := unix.Mount(fdPath(src), target, "", o.flags&(unix.MS_BIND|unix.MS_REC), ""); err != nil {
			return fmt.Errorf("bind %s on %s: %w", source, dest, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer mounted.Close()
	if o.needsRemount() {
		if err := remountBind(mounted, dest, o.flags, o.cleared); err != nil {
			return err
		}
	}
	return m.finishMount(mounted, dest, o)
}

// remountBind changes the per-mount flags of the mount whose root is f.
// Flags the mount already has are kept unless explicitly cleared: in a user
// namespace nosuid/nodev/noexec/atime can be locked and dropping them would
// fail with EPERM.
func remountBind(f *os.File, dest string, want, cleared uintptr) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		return fmt.Errorf("statfs %s: %w", dest, err)
	}
	want &^= unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT
	flags := remountFlags(statfsMountFlags(st.Flags), want, cleared)
	if err := unix.Mount("", fdPath(f), "", unix.MS_REMOUNT|unix.MS_BIND|flags, ""); err != nil {
		return fmt.Errorf("remount %s: %w", dest, err)
	}
	return nil
}

// finishMount applies propagation and recursive (mount_setattr) options.
func (m *mounter) finishMount(mounted *os.File, dest string, o mountOptions) error {
	for _, p := range o.propagation {
		if err := unix.Mount("", fdPath(mounted), "", p, ""); err != nil {
			return fmt.Errorf("make %s %s: %w", dest, propagationName(p), err)
		}
	}
	if !o.recursive {
		return nil
	}
	attr := o.attr
	if err := unix.MountSetattr(int(mounted.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		return fmt.Errorf("mount_setattr %s: %w", dest, err)
	}
	return nil
}

// noLabelTypes are filesystems that reject an SELinux context= option.
var noLabelTypes = map[string]bool{"proc": true, "sysfs": true, "mqueue": true, "cgroup": true, "cgroup2": true}

// fsMount mounts a new filesystem instance (proc, tmpfs, overlay...) on dest.
func (m *mounter) fsMount(mnt specs.Mount, dest string, o mountOptions) error {
	dst, err := openOrCreate(m.root, m.rootPath, dest, true)
	if err != nil {
		return fmt.Errorf("create mount point for %s: %w", mnt.Type, err)
	}
	defer dst.Close()
	if err := m.checkProcDest(dst, dest, mnt.Type == "proc"); err != nil {
		return err
	}
	if mnt.Type == "proc" || mnt.Type == "sysfs" || dest == "/dev" {
		// Refuse symlinks anywhere in the path: these must land exactly
		// where the spec says, or masked paths would protect nothing (and
		// a /dev elsewhere would leave the devices rt makes to be covered).
		if err := m.checkNoSymlinks(dst, dest); err != nil {
			return fmt.Errorf("mount %s on %s: %w", mnt.Type, dest, err)
		}
	}
	data := o.dataString()
	if !noLabelTypes[mnt.Type] {
		data = label.FormatMountLabel(data, m.opts.MountLabel)
	}
	flags := o.flags &^ unix.MS_REMOUNT
	mounted, err := mountOnto(m.root, m.rootPath, dst, dest, func(target string) error {
		if err := unix.Mount(mnt.Source, target, mnt.Type, flags, data); err != nil {
			return fmt.Errorf("mount %s on %s: %w", mnt.Type, dest, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer mounted.Close()
	if mnt.Type == "mqueue" && m.opts.MountLabel != "" {
		// "/." makes lsetxattr act on the directory, not the magic link.
		if err := label.SetFileLabel(fdPath(mounted)+"/.", m.opts.MountLabel); err != nil {
			return fmt.Errorf("label mqueue on %s: %w", dest, err)
		}
	}
	return m.finishMount(mounted, dest, o)
}

func (m *mounter) checkNoSymlinks(dst *os.File, dest string) error {
	p, err := realPath(dst)
	if err != nil {
		return err
	}
	if want := filepath.Join(m.rootPath, dest); p != want {
		return fmt.Errorf("destination resolves to %s, not %s (symlink in path)", p, want)
	}
	return nil
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
