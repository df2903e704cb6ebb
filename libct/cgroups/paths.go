package cgroups

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// defaultParent holds rt's containers when config.json has no cgroupsPath.
// It is rt's own subtree, never the caller's cgroup, so `rt run` from a
// shell does not nest containers under the shell's session cgroup.
const defaultParent = "/rt"

// containerPath validates linux.cgroupsPath and fills in the default.
// The result is absolute for absolute and default paths, relative otherwise.
func containerPath(p, id string) (string, error) {
	if p == "" {
		if id == "" || strings.Contains(id, "/") || id == "." || id == ".." {
			return "", fmt.Errorf("cgroups: invalid container id %q for the default cgroup path", id)
		}
		return defaultParent + "/" + id, nil
	}
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return "", fmt.Errorf("cgroups: cgroupsPath %q must not contain \"..\"", p)
		}
	}
	abs := strings.HasPrefix(p, "/")
	p = path.Clean(p)
	if abs {
		if p == "/" {
			return "", errors.New("cgroups: cgroupsPath must not be the root cgroup")
		}
		return p, nil
	}
	if p == "." {
		return "", fmt.Errorf("cgroups: cgroupsPath %q names the caller's own cgroup", p)
	}
	return p, nil
}

func isDefaultPath(p string) bool {
	return path.Dir(p) == defaultParent
}

// resolveDir places the container path p in hierarchy h. own is the
// caller's cgroup in h (from /proc/self/cgroup), used for relative paths.
func resolveDir(h *hierarchy, own, p string) (string, error) {
	if path.IsAbs(p) {
		return filepath.Join(h.mountpoint, p), nil
	}
	if own == "" {
		return "", fmt.Errorf("cgroups: relative cgroupsPath %q: own cgroup in %s is unknown", p, h.mountpoint)
	}
	// /proc/self/cgroup shows the full cgroup path; the mount may expose
	// only the subtree at h.root.
	rel := own
	if h.root != "/" && (own == h.root || strings.HasPrefix(own, h.root+"/")) {
		rel = strings.TrimPrefix(own, h.root)
	}
	return filepath.Join(h.mountpoint, rel, p), nil
}
