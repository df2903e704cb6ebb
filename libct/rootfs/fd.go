package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// fdPath is the magic link naming the object f refers to. Passing it to
// mount(2) acts on that object, so a path component swapped for a symlink
// after we opened it cannot redirect the operation.
func fdPath(f *os.File) string {
	return "/proc/thread-self/fd/" + strconv.Itoa(int(f.Fd()))
}

// bindFd attaches a copy of the mount of src (just the file or directory
// src names, with its submounts when recursive) on top of dst. Both ends
// are fds: unlike mount(2) on fdPath names, this does not go through the
// /proc mounted at the time, which after pivot_root is the container's and
// could have been made to resolve fd links elsewhere (CVE-2025-52881).
func bindFd(src, dst *os.File, recursive bool) error {
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC | unix.AT_EMPTY_PATH
	if recursive {
		flags |= unix.AT_RECURSIVE
	}
	tree, err := unix.OpenTree(int(src.Fd()), "", uint(flags))
	if err != nil {
		return fmt.Errorf("open_tree: %w", err)
	}
	defer unix.Close(tree)
	err = unix.MoveMount(tree, "", int(dst.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
	if err != nil {
		return fmt.Errorf("move_mount: %w", err)
	}
	return nil
}

// openPath opens a host path with O_PATH. Errors are bare errnos so the
// caller's message does not repeat the path.
func openPath(path string, flags int) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC|flags, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), path), nil
}

// openInRoot opens path inside root with openat2(RESOLVE_IN_ROOT): the
// kernel resolves it, symlinks and ".." included, as if root were "/", and
// refuses magic links. pathrs-lite makes the same call but then renames
// the file after a readlink of /proc/self/fd and a dup, a procfs round
// trip per lookup that rt does not need (about 1.5 ms of a container's
// setup); it remains the resolver on kernels without openat2.
func openInRoot(root *os.File, path string, flags int) (*os.File, error) {
	how := unix.OpenHow{
		Flags:   uint64(unix.O_PATH | unix.O_CLOEXEC | flags),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	for tries := 0; ; tries++ {
		fd, err := unix.Openat2(int(root.Fd()), path, &how)
		if err == nil {
			return os.NewFile(uintptr(fd), path), nil
		}
		if errors.Is(err, unix.ENOSYS) {
			f, err := openInRoot(root, path, 0)
			if err == nil && flags&unix.O_DIRECTORY != 0 {
				if st, serr := f.Stat(); serr != nil || !st.IsDir() {
					f.Close()
					return nil, &os.PathError{Op: "open", Path: path, Err: unix.ENOTDIR}
				}
			}
			return f, err
		}
		// A rename or mount anywhere on the system while ".." is
		// resolved makes a scoped lookup fail with EAGAIN (or EXDEV at
		// its final check): retry a bounded number of times.
		if (errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EXDEV)) && tries < 128 {
			continue
		}
		return nil, &os.PathError{Op: "openat2", Path: path, Err: err}
	}
}

// mkdirAllInRoot returns a handle on the directory path inside root,
// creating it and its missing parents through pathrs-lite (each component
// made through a handle on its parent) when it does not exist yet.
func mkdirAllInRoot(root *os.File, path string) (*os.File, error) {
	f, err := openInRoot(root, path, unix.O_DIRECTORY)
	if err == nil || !errors.Is(err, unix.ENOENT) {
		return f, err
	}
	return pathrs.MkdirAllHandle(root, path, 0o755)
}

// realPath is where f currently is, as seen from our root.
func realPath(f *os.File) (string, error) {
	p, err := os.Readlink(fdPath(f))
	if err != nil {
		return "", fmt.Errorf("readlink %s: %w", fdPath(f), err)
	}
	return p, nil
}

func mountID(f *os.File) (uint64, error) {
	var stx unix.Statx_t
	err := unix.Statx(int(f.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID, &stx)
	if err != nil {
		return 0, fmt.Errorf("statx %s: %w", f.Name(), err)
	}
	return stx.Mnt_id, nil
}

// inRoot reports whether the host path p is root itself or below it.
func inRoot(root, p string) bool {
	if root == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == root || strings.HasPrefix(p, root+"/")
}

// openOrCreate opens path inside root (resolving symlinks as if root were
// "/"), creating it first when missing: a directory when dir is set, an
// empty file otherwise. Every creation happens through a directory handle
// obtained inside root, so nothing can be created on the host through a
// symlink (CVE-2024-45310).
func openOrCreate(root *os.File, rootPath, path string, dir bool) (*os.File, error) {
	f, err := openInRoot(root, path, 0)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Where the kernel would create it had root been "/": symlinks are
	// followed, dangling ones and those in the middle of the path too
	// (/etc/hosts -> /jump/hosts, /jump -> /tmp/a). SecureJoin resolves
	// the name lexically and without leaving root; the name is only a
	// plan, every step below goes through handles inside root again.
	full, err := securejoin.SecureJoin(rootPath, path)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", path, err)
	}
	if err := createIn(root, "/"+strings.TrimPrefix(strings.TrimPrefix(full, rootPath), "/"), dir); err != nil {
		return nil, err
	}
	f, err = openInRoot(root, path, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return f, nil
}

// createIn creates path (a resolved path inside root) and its missing
// parents.
func createIn(root *os.File, path string, dir bool) error {
	if dir {
		f, err := mkdirAllInRoot(root, path)
		if err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
		return f.Close()
	}
	parent, err := mkdirAllInRoot(root, filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("create parent of %s: %w", path, err)
	}
	defer parent.Close()
	fd, err := unix.Openat(int(parent.Fd()), filepath.Base(path), unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	// EEXIST: someone created it meanwhile; the caller's next open decides.
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err == nil {
		unix.Close(fd)
	}
	return nil
}

// openNoSymlinks opens the directory path inside root, failing with ELOOP
// if any component is a symlink.
func openNoSymlinks(root *os.File, path string) (*os.File, error) {
	how := unix.OpenHow{
		Flags:   uint64(unix.O_PATH | unix.O_CLOEXEC | unix.O_DIRECTORY),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_SYMLINKS,
	}
	for tries := 0; ; tries++ {
		fd, err := unix.Openat2(int(root.Fd()), path, &how)
		if err == nil {
			return os.NewFile(uintptr(fd), path), nil
		}
		if (errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EXDEV)) && tries < 128 {
			continue
		}
		return nil, &os.PathError{Op: "openat2", Path: path, Err: err}
	}
}

// reopenDir opens the directory f refers to for reading.
func reopenDir(f *os.File) (*os.File, error) {
	fd, err := unix.Openat(int(f.Fd()), ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// mountOnto runs do with the magic-link path of dst, then re-resolves dest
// inside root and checks that a new mount now sits exactly where dst was.
// It returns a handle to the root of the new mount, for later remounts.
func mountOnto(root *os.File, rootPath string, dst *os.File, dest string, do func(target string) error) (*os.File, error) {
	before, err := realPath(dst)
	if err != nil {
		return nil, err
	}
	if !inRoot(rootPath, before) {
		return nil, fmt.Errorf("mount on %s: target %s is outside the rootfs %s", dest, before, rootPath)
	}
	oldID, err := mountID(dst)
	if err != nil {
		return nil, err
	}
	if err := do(fdPath(dst)); err != nil {
		return nil, err
	}
	var mounted *os.File
	if filepath.Clean(dest) == "/" {
		// Onto the root itself: root is the handle on the mount now
		// covered, whose "/" is itself; the new one is what its path
		// (the rootfs, resolved from the host before any mount) shows.
		mounted, err = openPath(rootPath, 0)
	} else {
		mounted, err = openInRoot(root, dest, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("reopen %s after mount: %w", dest, err)
	}
	if err := verifyMounted(mounted, dest, before, oldID); err != nil {
		mounted.Close()
		return nil, err
	}
	return mounted, nil
}

func verifyMounted(mounted *os.File, dest, want string, oldID uint64) error {
	after, err := realPath(mounted)
	if err != nil {
		return err
	}
	if after != want {
		return fmt.Errorf("mount on %s: destination moved from %s to %s during mount", dest, want, after)
	}
	newID, err := mountID(mounted)
	if err != nil {
		return err
	}
	if newID == oldID {
		return fmt.Errorf("mount on %s: no new mount found at %s", dest, after)
	}
	return nil
}
