// Package idmap makes, on the init's request, what a container's mounts
// need from outside it: the idmapped mounts (mounts[].uidMappings, idmap,
// ridmap) and the bind sources a user namespace's root cannot open.
package idmap

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/rootfs"
	"github.com/rt-runtime/rt/libct/specconv"
	"github.com/rt-runtime/rt/libct/userns"
)

// Server answers the init's KindMountFd while it builds the container:
// it makes the idmapped mounts, and opens the plain bind sources a user
// namespace's root cannot reach (below a directory only the host's root
// may search). The init cannot make idmapped mounts: idmapping a host
// filesystem takes the host's CAP_SYS_ADMIN, the mapping is in host ids,
// and a source below the bundle is often out of reach of the container's
// root. rt works in the container's mount namespace, where what the
// container mounted so far can be a source (and a handle from another
// mount namespace could not be bound), and hands over the detached mount
// or the O_PATH source for the init to put in place. Only mounts of the
// spec are ever made or opened.
type Server struct {
	Spec   *specs.Spec
	Bundle string
	Pid    int // the init
	mntNS  *os.File
	// The container's user namespace and its mappings, read once.
	ctrNS          *os.File
	ctrUID, ctrGID []specs.LinuxIDMapping
	// User namespaces made for other mappings, by userns.Key.
	made map[string]*os.File
}

// Close releases what the server opened.
func (s *Server) Close() {
	if s == nil {
		return
	}
	for _, f := range append([]*os.File{s.mntNS, s.ctrNS}, mapValues(s.made)...) {
		if f != nil {
			f.Close()
		}
	}
}

func mapValues(m map[string]*os.File) []*os.File {
	out := make([]*os.File, 0, len(m))
	for _, f := range m {
		out = append(out, f)
	}
	return out
}

// Open returns the fd the config's mount i needs from outside: the
// detached idmapped mount, or the O_PATH bind source.
func (s *Server) Open(i int) (*os.File, error) {
	if i < 0 || i >= len(s.Spec.Mounts) {
		return nil, fmt.Errorf("sync: the init asked for mount %d, which config.json does not have", i)
	}
	mnt := s.Spec.Mounts[i]
	bind := mnt.Type == "bind" || hasBindOption(mnt.Options)
	src := mnt.Source
	if !filepath.IsAbs(src) && src != "" && bind {
		src = filepath.Join(s.Bundle, src)
	}
	if !rootfs.IsIDMapped(mnt) {
		if !bind {
			return nil, fmt.Errorf("sync: the init asked for mount %d, which is neither idmapped nor a bind mount", i)
		}
		var f *os.File
		err := s.inMountNS(func() error {
			var err error
			f, err = rootfs.OpenBindSource(mnt, src)
			return err
		})
		return f, err
	}
	ns, err := s.userNS(mnt)
	if err != nil {
		return nil, fmt.Errorf("mount %s on %s: %w", mnt.Source, mnt.Destination, err)
	}
	var tree *os.File
	err = s.inMountNS(func() error {
		var err error
		tree, err = rootfs.DetachedIDMapped(mnt, src, int(ns.Fd()))
		return err
	})
	return tree, err
}

func hasBindOption(opts []string) bool {
	for _, o := range opts {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

// userNS is the user namespace whose mapping the mount gets: the
// container's when the mount names none ("implied mapping", what the
// runtime-spec allows for idmap/ridmap without mappings) or the same
// ones, otherwise one made for it.
func (s *Server) userNS(mnt specs.Mount) (*os.File, error) {
	implied := len(mnt.UIDMappings) == 0 && len(mnt.GIDMappings) == 0
	if specconv.HasNamespace(s.Spec, specs.UserNamespace) {
		if s.ctrNS == nil {
			f, err := os.Open("/proc/" + strconv.Itoa(s.Pid) + "/ns/user")
			if err != nil {
				return nil, fmt.Errorf("open the container's user namespace: %w", err)
			}
			s.ctrNS = f
			if s.ctrUID, s.ctrGID, err = userns.ReadMappings(s.Pid); err != nil {
				return nil, err
			}
		}
		if implied || userns.SameMappings(mnt.UIDMappings, s.ctrUID) && userns.SameMappings(mnt.GIDMappings, s.ctrGID) {
			return s.ctrNS, nil
		}
	} else if implied {
		return nil, errors.New("idmap without uidMappings and gidMappings needs a user namespace to take them from")
	}
	key := userns.Key(mnt.UIDMappings, mnt.GIDMappings)
	if f := s.made[key]; f != nil {
		return f, nil
	}
	f, err := userns.New("/proc/self/exe", mnt.UIDMappings, mnt.GIDMappings)
	if err != nil {
		return nil, err
	}
	if s.made == nil {
		s.made = map[string]*os.File{}
	}
	s.made[key] = f
	return f, nil
}

// inMountNS runs fn on a thread of its own that has joined the init's
// mount namespace. The thread is never unlocked, so the Go runtime ends
// it with the goroutine rather than reuse it elsewhere.
func (s *Server) inMountNS(fn func() error) error {
	if s.mntNS == nil {
		f, err := os.Open("/proc/" + strconv.Itoa(s.Pid) + "/ns/mnt")
		if err != nil {
			return fmt.Errorf("open the container's mount namespace: %w", err)
		}
		s.mntNS = f
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// setns into a mount namespace wants a filesystem context (root,
		// cwd) that no other thread shares.
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			done <- fmt.Errorf("unshare CLONE_FS: %w", err)
			return
		}
		if err := unix.Setns(int(s.mntNS.Fd()), unix.CLONE_NEWNS); err != nil {
			done <- fmt.Errorf("join the container's mount namespace: %w", err)
			return
		}
		done <- fn()
	}()
	return <-done
}
