// Package procfs opens files under /proc without trusting the path.
//
// A container's rootfs can put anything at /proc: a tmpfs with fake files,
// symlinks pointing elsewhere, or bind mounts of one procfs file over
// another (CVE-2019-16884, CVE-2023-27561, CVE-2025-52881). So a Handle
// starts from an fd verified to be the root of a real procfs, and every
// open below it refuses symlinks, magic links, ".." and mount crossings,
// and is checked to have landed on procfs again.
package procfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// procRootIno is the inode number of the root directory of every procfs
// instance (PROC_ROOT_INO); a bind mount of a procfs subdirectory passes
// the statfs check but not this one.
const procRootIno = 1

// noOpenat2 is set once openat2 turned out to be missing (ENOSYS), and can
// be set by tests to exercise the fallback.
var noOpenat2 atomic.Bool

// Handle is an open, verified procfs root.
type Handle struct {
	root    *os.File
	path    string
	mountID uint64 // 0 when the kernel cannot tell (no STATX_MNT_ID)
}

// Open opens procRoot (normally "/proc") and checks that it is the root of
// a procfs mount. procRoot itself must not be a symlink.
func Open(procRoot string) (*Handle, error) {
	fd, err := unix.Open(procRoot, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", procRoot, err)
	}
	f := os.NewFile(uintptr(fd), procRoot)
	if err := checkProcfs(fd); err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", procRoot, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", procRoot, err)
	}
	if st.Ino != procRootIno {
		f.Close()
		return nil, fmt.Errorf("open %s: not the root of a procfs mount (inode %d)", procRoot, st.Ino)
	}
	id, err := mountID(fd)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("statx %s: %w", procRoot, err)
	}
	return &Handle{root: f, path: procRoot, mountID: id}, nil
}

// Close releases the procfs root fd.
func (h *Handle) Close() error {
	return h.root.Close()
}

// WriteFile writes data to rel (e.g. "sys/net/ipv4/ip_forward",
// "self/oom_score_adj", "thread-self/attr/apparmor/exec") in one write, as
// procfs and sysctl files expect.
func (h *Handle) WriteFile(rel string, data []byte) error {
	f, err := h.OpenFile(rel, unix.O_WRONLY)
	if err != nil {
		return err
	}
	// f's errors are *os.PathErrors: they name the write and the file.
	n, err := f.Write(data)
	if err == nil && n != len(data) {
		err = &os.PathError{Op: "write", Path: f.Name(), Err: fmt.Errorf("short write (%d of %d bytes)", n, len(data))}
	}
	if err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// OpenFile opens rel below the procfs root with flag (O_RDONLY, O_WRONLY,
// O_RDWR plus modifiers; O_CREAT is refused). A leading "self" or
// "thread-self" is resolved through the procfs's own symlink, so it names
// the caller as that procfs's pid namespace sees it. The result is refused
// if the walk meets a symlink, a magic link or another mount, or if the file
// is not on procfs. Because mount crossings are refused, files under a
// submount of /proc (for example /proc/sys after it was remounted read-only
// for readonlyPaths) cannot be opened through a Handle.
func (h *Handle) OpenFile(rel string, flag int) (*os.File, error) {
	name := filepath.Join(h.path, rel)
	if flag&(unix.O_CREAT|unix.O_TMPFILE) != 0 {
		return nil, fmt.Errorf("open %s: creating files in procfs is not allowed", name)
	}
	resolved, err := h.resolve(rel)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	fd, err := h.open(resolved, flag|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NOCTTY)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if err := h.checkSameMount(fd); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// resolve checks rel and replaces a leading self/thread-self link with
// the numeric path it points to.
func (h *Handle) resolve(rel string) (string, error) {
	if rel == "" || strings.HasPrefix(rel, "/") || strings.ContainsRune(rel, 0) {
		return "", fmt.Errorf("invalid relative path %q", rel)
	}
	parts := strings.Split(rel, "/")
	for _, p := range parts {
		if p == "" || p == "." || p == ".." {
			return "", fmt.Errorf("invalid relative path %q", rel)
		}
	}
	if parts[0] != "self" && parts[0] != "thread-self" {
		return rel, nil
	}
	target, err := readlinkat(int(h.root.Fd()), parts[0])
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", parts[0], err)
	}
	if !validSelf(parts[0], target) {
		return "", fmt.Errorf("resolve %s: unexpected target %q", parts[0], target)
	}
	parts[0] = target
	return strings.Join(parts, "/"), nil
}

// validSelf accepts only what the kernel writes: "<tgid>" for self and
// "<tgid>/task/<tid>" for thread-self.
func validSelf(link, target string) bool {
	if link == "self" {
		return isPid(target)
	}
	tgid, rest, ok := strings.Cut(target, "/task/")
	return ok && isPid(tgid) && isPid(rest)
}

func isPid(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0 && strconv.Itoa(n) == s
}

func readlinkat(dirfd int, name string) (string, error) {
	buf := make([]byte, 64)
	n, err := unix.Readlinkat(dirfd, name, buf)
	if err != nil {
		return "", err
	}
	if n == len(buf) {
		return "", errors.New("link target too long")
	}
	return string(buf[:n]), nil
}

func (h *Handle) open(rel string, flag int) (int, error) {
	if !noOpenat2.Load() {
		fd, err := h.openat2(rel, flag)
		if err != unix.ENOSYS {
			return fd, err
		}
		noOpenat2.Store(true)
	}
	return h.openWalk(rel, flag)
}

func (h *Handle) openat2(rel string, flag int) (int, error) {
	how := &unix.OpenHow{
		Flags: uint64(flag),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS |
			unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV,
	}
	for range 16 {
		fd, err := unix.Openat2(int(h.root.Fd()), rel, how)
		switch err {
		case nil:
			if err := checkProcfs(fd); err != nil {
				unix.Close(fd)
				return -1, err
			}
			return fd, nil
		case unix.EAGAIN, unix.EINTR:
			// RESOLVE_BENEATH gives up when a rename races the walk.
			continue
		case unix.EXDEV:
			return -1, fmt.Errorf("path crosses a mount point: %w", err)
		case unix.ELOOP:
			return -1, fmt.Errorf("path contains a symlink: %w", err)
		default:
			return -1, err
		}
	}
	return -1, fmt.Errorf("openat2: %w", unix.EAGAIN)
}

// openWalk is the fallback for kernels without openat2: one component at a
// time with O_NOFOLLOW, checking filesystem and mount at every step.
func (h *Handle) openWalk(rel string, flag int) (int, error) {
	parts := strings.Split(rel, "/")
	dir := int(h.root.Fd())
	for i, p := range parts {
		last := i == len(parts)-1
		fl := unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
		if last {
			fl = flag
		}
		fd, err := unix.Openat(dir, p, fl, 0)
		if dir != int(h.root.Fd()) {
			unix.Close(dir)
		}
		if err == unix.ELOOP || err == unix.ENOTDIR && !last {
			return -1, fmt.Errorf("path contains a symlink or non-directory at %q: %w", p, err)
		}
		if err != nil {
			return -1, err
		}
		if err := checkProcfs(fd); err != nil {
			unix.Close(fd)
			return -1, err
		}
		if err := h.checkSameMount(fd); err != nil {
			unix.Close(fd)
			return -1, err
		}
		dir = fd
	}
	return dir, nil
}

func checkProcfs(fd int) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return fmt.Errorf("statfs: %w", err)
	}
	if st.Type != unix.PROC_SUPER_MAGIC {
		return fmt.Errorf("not on procfs (filesystem type %#x)", st.Type)
	}
	return nil
}

// checkSameMount refuses fds on another mount than the root, which is how a
// bind mount of one procfs file over another shows. It is a no-op on
// kernels that cannot report mount IDs.
func (h *Handle) checkSameMount(fd int) error {
	if h.mountID == 0 {
		return nil
	}
	id, err := mountID(fd)
	if err != nil {
		return fmt.Errorf("statx: %w", err)
	}
	if id != h.mountID {
		return fmt.Errorf("path crosses a mount point (mount %d, procfs root is %d)", id, h.mountID)
	}
	return nil
}

func mountID(fd int) (uint64, error) {
	var stx unix.Statx_t
	err := unix.Statx(fd, "", unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID, &stx)
	if err == unix.ENOSYS {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if stx.Mask&unix.STATX_MNT_ID == 0 {
		return 0, nil
	}
	return stx.Mnt_id, nil
}
