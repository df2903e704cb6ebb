package cgroups

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"

	"github.com/moby/sys/mountinfo"

	"github.com/rt-runtime/rt/libct/kfile"
)

type mode int

const (
	modeV1 mode = iota
	modeHybrid
	modeV2
)

func (m mode) String() string {
	switch m {
	case modeV1:
		return "v1"
	case modeHybrid:
		return "hybrid"
	default:
		return "v2"
	}
}

// hierarchy is one mounted cgroup tree.
type hierarchy struct {
	mountpoint string
	// root is the cgroup that is visible at mountpoint (not "/" for a bind
	// mount of a subtree, as inside some containers).
	root        string
	controllers []string // empty for cgroup2
}

// key is the /proc/self/cgroup lookup key (see ownCgroups).
func (h *hierarchy) key() string {
	if len(h.controllers) == 0 {
		return ""
	}
	return h.controllers[0]
}

type layout struct {
	mode    mode
	v1      []*hierarchy
	unified *hierarchy // nil on pure v1
}

func (l *layout) hierarchyOf(controller string) *hierarchy {
	for _, h := range l.v1 {
		for _, c := range h.controllers {
			if c == controller {
				return h
			}
		}
	}
	return nil
}

// v1Controllers are the controllers the fs1 driver knows. Named hierarchies
// (name=systemd) carry no resources but a container gets a cgroup in them
// too, as with runc: tools that read /proc/PID/cgroup (systemd, ps) then
// see one path for the container, and delete finds every one of them.
var v1Controllers = map[string]bool{
	"cpu": true, "cpuacct": true, "cpuset": true, "memory": true,
	"devices": true, "freezer": true, "net_cls": true, "net_prio": true,
	"blkio": true, "perf_event": true, "hugetlb": true, "pids": true,
	"rdma": true, "misc": true,
}

var (
	layoutOnce   sync.Once
	cachedLayout *layout
	layoutErr    error
)

// hostLayout reads /proc/self/mountinfo once per process: every rt command
// needs it and the file can be long on busy hosts.
func hostLayout() (*layout, error) {
	layoutOnce.Do(func() {
		b, err := kfile.Read("/proc/self/mountinfo")
		if err != nil {
			layoutErr = fmt.Errorf("cgroups: detect layout: %w", err)
			return
		}
		cachedLayout, layoutErr = parseLayout(bytes.NewReader(b))
	})
	return cachedLayout, layoutErr
}

// V1MountNames maps each v1 controller of the host (name= dropped) to the
// base name of its hierarchy's mountpoint: "cpu,cpuacct" for both where
// systemd mounts them together. A container's cgroup mount shows the
// hierarchies under these names (rootfs.CgroupV1Binds). Nil on a pure v2
// host or when the layout cannot be read.
func V1MountNames() map[string]string {
	l, err := hostLayout()
	if err != nil || len(l.v1) == 0 {
		return nil
	}
	return l.v1MountNames()
}

// OwnPaths is this process's own cgroup directories, in the shape of
// Manager.Paths (controller -> directory, "" the unified one). A
// container without a cgroup of its own (rootless, nothing delegated)
// shows these in its cgroup mount, as runc's does. Nil when they cannot
// be read.
func OwnPaths() map[string]string {
	l, err := hostLayout()
	if err != nil {
		return nil
	}
	own, err := ownCgroups()
	if err != nil {
		return nil
	}
	return l.ownPaths(own)
}

func (l *layout) ownPaths(own map[string]string) map[string]string {
	// The directories a manager of the relative path "" would have.
	m, err := newManager(l, own, "")
	if err != nil {
		return nil
	}
	return m.Paths()
}

func (l *layout) v1MountNames() map[string]string {
	out := map[string]string{}
	for _, h := range l.v1 {
		for _, c := range h.controllers {
			out[strings.TrimPrefix(c, "name=")] = filepath.Base(h.mountpoint)
		}
	}
	return out
}

// parseLayout finds the cgroup mounts in mountinfo text.
func parseLayout(r io.Reader) (*layout, error) {
	mounts, err := mountinfo.GetMountsFromReader(r, nil)
	if err != nil {
		return nil, fmt.Errorf("cgroups: read mountinfo: %w", err)
	}
	hidden := shadowedMounts(mounts)
	l := &layout{}
	seen := map[string]bool{}
	for _, m := range mounts {
		if hidden[m.ID] {
			continue
		}
		switch m.FSType {
		case "cgroup2":
			if l.unified == nil || preferredUnified(m.Mountpoint) {
				l.unified = &hierarchy{mountpoint: m.Mountpoint, root: m.Root}
			}
		case "cgroup":
			var ctrls []string
			for _, o := range strings.Split(m.VFSOptions, ",") {
				if (v1Controllers[o] || strings.HasPrefix(o, "name=")) && !seen[o] {
					ctrls = append(ctrls, o)
				}
			}
			if len(ctrls) == 0 {
				continue
			}
			for _, c := range ctrls {
				seen[c] = true
			}
			l.v1 = append(l.v1, &hierarchy{mountpoint: m.Mountpoint, root: m.Root, controllers: ctrls})
		}
	}
	switch {
	case len(l.v1) > 0 && l.unified != nil:
		l.mode = modeHybrid
	case len(l.v1) > 0:
		l.mode = modeV1
	case l.unified != nil:
		l.mode = modeV2
	default:
		return nil, errors.New("cgroups: no cgroup filesystem is mounted")
	}
	return l, nil
}

// shadowedMounts returns the ids of the mounts that path lookups cannot
// reach. It follows the mount tree, not mountinfo's order: mountinfo lists
// mounts by id, and a mount moved (mount --move) onto a tmpfs made after it
// comes before its new parent.
//
// Among the children of one mount, a child whose mountpoint is at or above
// another's covers it: had it been there first, the other would have been
// mounted on it and be its child. A mount also disappears under a child
// stacked on its own mountpoint, and with an unreachable parent. A parent
// that mountinfo does not list (outside the process's root) hides nothing.
func shadowedMounts(mounts []*mountinfo.Info) map[int]bool {
	byID := make(map[int]*mountinfo.Info, len(mounts))
	children := map[int][]*mountinfo.Info{}
	for _, m := range mounts {
		byID[m.ID] = m
	}
	for _, m := range mounts {
		if m.Parent != m.ID && byID[m.Parent] != nil {
			children[m.Parent] = append(children[m.Parent], m)
		}
	}
	covers := func(top, low *mountinfo.Info) bool {
		if top.Mountpoint == low.Mountpoint {
			// Two at one place: the later one was put on top.
			return top.ID > low.ID
		}
		return top.Mountpoint == "/" || strings.HasPrefix(low.Mountpoint, top.Mountpoint+"/")
	}
	// cut: the mount cannot be reached at all (nor anything below it).
	cut := map[int]bool{}
	state := map[int]bool{} // visited
	var visit func(m *mountinfo.Info) bool
	visit = func(m *mountinfo.Info) bool {
		if state[m.ID] {
			return cut[m.ID] // also ends a cycle in bad input
		}
		state[m.ID] = true
		c := false
		if p := byID[m.Parent]; p != nil && p != m {
			c = visit(p)
			for _, s := range children[m.Parent] {
				if !c && s != m && covers(s, m) {
					c = true
				}
			}
		}
		cut[m.ID] = c
		return c
	}
	hidden := map[int]bool{}
	for _, m := range mounts {
		if visit(m) {
			hidden[m.ID] = true
			continue
		}
		// A mount stacked on m's own mountpoint hides m; what is below it
		// is then covered through the sibling rule above.
		for _, c := range children[m.ID] {
			if c.Mountpoint == m.Mountpoint {
				hidden[m.ID] = true
				break
			}
		}
	}
	return hidden
}

func preferredUnified(mp string) bool {
	return mp == "/sys/fs/cgroup" || mp == "/sys/fs/cgroup/unified"
}

// ownCgroups reads /proc/self/cgroup: controller name -> cgroup path, with
// "" for the unified hierarchy. Co-mounted controllers each get an entry.
func ownCgroups() (map[string]string, error) {
	b, err := kfile.Read("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("cgroups: read own cgroup: %w", err)
	}
	return parseProcCgroup(bytes.NewReader(b))
}

func parseProcCgroup(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			out[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cgroups: parse /proc/self/cgroup: %w", err)
	}
	return out, nil
}
