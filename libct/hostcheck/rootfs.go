package hostcheck

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/child"
)

// Executable looks process.args[0] up in the rootfs as the init will
// (the process's PATH, cwd for a relative name), resolving each candidate
// by fd with openat2(RESOLVE_IN_ROOT), and reports it missing in the
// init's words, which engines read ("executable file not found in $PATH"
// is Docker's and Podman's exit 127). It only answers when it can know:
// a candidate below a mount's destination, or a config with hooks that run
// before the process (they may put it there), is the init's to find.
func Executable(spec *specs.Spec, rootfs string) []Problem {
	p := spec.Process
	if p == nil || len(p.Args) == 0 || rootfs == "" || hooksBeforeExec(spec.Hooks) {
		return nil
	}
	root, err := os.OpenFile(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return []Problem{{"root.path", err.Error()}}
	}
	defer root.Close()
	name, cwd := p.Args[0], p.Cwd
	if cwd == "" {
		cwd = "/"
	}
	if strings.Contains(name, "/") {
		cand := name
		if !path.IsAbs(cand) {
			cand = path.Join(cwd, cand)
		}
		err := lookIn(root, rootfs, spec.Mounts, cand)
		if err == nil || errors.Is(err, errUnknown) {
			return nil
		}
		return []Problem{{"process.args[0]", fmt.Sprintf("exec %s: %v", child.QuoteIfOdd(name), err)}}
	}
	dirs := child.DefaultPath
	for _, kv := range p.Env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			dirs = v
		}
	}
	for _, dir := range filepath.SplitList(dirs) {
		if !path.IsAbs(dir) {
			dir = path.Join(cwd, dir)
		}
		err := lookIn(root, rootfs, spec.Mounts, path.Join(dir, name))
		if err == nil || errors.Is(err, errUnknown) {
			return nil
		}
	}
	return []Problem{{"process.args[0]", fmt.Sprintf("exec %q: executable file not found in $PATH", name)}}
}

// errUnknown: the rootfs alone cannot tell (a mount decides).
var errUnknown = errors.New("decided by a mount")

// lookIn finds the executable cand (an absolute path in the container)
// in the rootfs: nil, errUnknown, or why not (ENOENT, EACCES).
func lookIn(root *os.File, rootfs string, mounts []specs.Mount, cand string) error {
	if underMount(mounts, cand) {
		return errUnknown
	}
	// Most candidates (the wrong $PATH entries) are missing without a
	// symlink on the way: then cand is where the lookup ends, no mount is
	// above it (checked), and the answer needs no SecureJoin walk.
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_SYMLINKS}
	fd, err := unix.Openat2(int(root.Fd()), cand, &how)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return unix.ENOENT
	}
	if err != nil {
		how.Resolve = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS
		fd, err = unix.Openat2(int(root.Fd()), cand, &how)
	}
	if errors.Is(err, unix.ENOSYS) {
		return errUnknown // the init looks it up on such kernels
	}
	if err != nil {
		// A symlink on the way may lead below a mount.
		if p, jerr := securejoin.SecureJoin(rootfs, cand); jerr == nil {
			if rel, rerr := filepath.Rel(rootfs, p); rerr == nil && underMount(mounts, "/"+rel) {
				return errUnknown
			}
		}
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return unix.ENOENT
		}
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	// Who may run it is the init's question (its user, capabilities);
	// a directory or a file without any x bit is no one's.
	if st.Mode&unix.S_IFMT == unix.S_IFDIR || st.Mode&0o111 == 0 {
		return unix.EACCES
	}
	return nil
}

// underMount tells whether a mount of the config is at p or above it.
func underMount(mounts []specs.Mount, p string) bool {
	p = path.Clean(p)
	for _, m := range mounts {
		d := path.Clean("/" + m.Destination)
		if d != "/" && (p == d || strings.HasPrefix(p, d+"/")) {
			return true
		}
	}
	return false
}

func hooksBeforeExec(h *specs.Hooks) bool {
	//lint:ignore SA1019 prestart is deprecated but still runs
	return h != nil && (len(h.Prestart) > 0 || len(h.CreateRuntime) > 0 || len(h.CreateContainer) > 0)
}
