package cgroups

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/moby/sys/mountinfo"
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
// such as name=systemd carry no resources and are left alone.
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
		f, err := os.Open("/proc/self/mountinfo")
		if err != nil {
			layoutErr = fmt.Errorf("cgroups: detect layout: %w", err)
			return
		}
		defer f.Close()
		cachedLayout, layoutErr = parseLayout(f)
	})
	return cachedLayout, layoutErr
}

// parseLayout finds the cgroup mounts in mountinfo text.
func parseLayout(r io.Reader) (*layout, error) {
	mounts, err := mountinfo.GetMountsFromReader(r, nil)
	if err != nil {
		return nil, fmt.Errorf("cgroups: read mountinfo: %w", err)
	}
	l := &layout{}
	seen := map[string]bool{}
	for _, m := range mounts {
		// A later mount on or above a cgroup mountpoint (a tmpfs over
		// /sys/fs/cgroup/unified, say) hides that hierarchy.
		l.dropShadowed(m.Mountpoint, seen)
		switch m.FSType {
		case "cgroup2":
			if l.unified == nil || preferredUnified(m.Mountpoint) {
				l.unified = &hierarchy{mountpoint: m.Mountpoint, root: m.Root}
			}
		case "cgroup":
			var ctrls []string
			for _, o := range strings.Split(m.VFSOptions, ",") {
				if v1Controllers[o] && !seen[o] {
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

// dropShadowed forgets the hierarchies mounted at or below mp. "/" is
// never taken as shadowing: the root mount comes first in mountinfo.
func (l *layout) dropShadowed(mp string, seen map[string]bool) {
	if mp == "/" {
		return
	}
	under := func(p string) bool { return p == mp || strings.HasPrefix(p, mp+"/") }
	if l.unified != nil && under(l.unified.mountpoint) {
		l.unified = nil
	}
	kept := l.v1[:0]
	for _, h := range l.v1 {
		if !under(h.mountpoint) {
			kept = append(kept, h)
			continue
		}
		for _, c := range h.controllers {
			delete(seen, c)
		}
	}
	l.v1 = kept
}

func preferredUnified(mp string) bool {
	return mp == "/sys/fs/cgroup" || mp == "/sys/fs/cgroup/unified"
}

// ownCgroups reads /proc/self/cgroup: controller name -> cgroup path, with
// "" for the unified hierarchy. Co-mounted controllers each get an entry.
func ownCgroups() (map[string]string, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("cgroups: read own cgroup: %w", err)
	}
	defer f.Close()
	return parseProcCgroup(f)
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
