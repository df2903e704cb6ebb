package cgroups

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// freezeTimeout bounds Freeze: a task stuck in uninterruptible sleep can
// keep a cgroup FREEZING indefinitely.
const freezeTimeout = 5 * time.Second

// unifiedDir is a cgroup in a cgroup2 hierarchy: the whole cgroup on pure
// v2, the extra unified one on hybrid hosts.
type unifiedDir struct {
	dir   string
	mount string
	// hybrid: the v1 hierarchies hold the resources, so controllers are
	// enabled here only when a limit needs them (see enable).
	hybrid bool
	made   bool // create succeeded
}

// ancestors lists mount .. parent(dir), top-down.
func (u *unifiedDir) ancestors() []string {
	rel, err := filepath.Rel(u.mount, u.dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return nil
	}
	out := []string{u.mount}
	cur := u.mount
	parts := strings.Split(rel, string(filepath.Separator))
	for _, p := range parts[:len(parts)-1] {
		cur = filepath.Join(cur, p)
		out = append(out, cur)
	}
	return out
}

// create makes the cgroup and enables its controllers, once per manager:
// create's Apply(0) does it and the Apply(pid) that follows only moves.
func (u *unifiedDir) create() error {
	if u.made {
		return nil
	}
	if err := mkdirAll(u.dir); err != nil {
		return fmt.Errorf("cgroups: %w", err)
	}
	if !u.hybrid {
		avail, err := readList(u.mount, "cgroup.controllers")
		if err != nil {
			return err
		}
		// Best effort: a controller that cannot be enabled (for example
		// because an ancestor holds processes) only matters if a limit
		// needs it, and Set then names that limit.
		if err := u.enable(avail); err != nil {
			slog.Debug("cgroups: enabling controllers", "dir", u.dir, "err", err)
		}
	}
	t, err := readFile(u.dir, "cgroup.type")
	if err == nil && strings.TrimSpace(t) == "domain invalid" {
		return fmt.Errorf("cgroups: %s is \"domain invalid\" (a threaded subtree): it cannot hold a container", u.dir)
	}
	u.made = true
	return nil
}

// enable turns on controllers in every ancestor's cgroup.subtree_control so
// they show up in the leaf. Controllers the ancestor lacks are skipped.
func (u *unifiedDir) enable(ctrls []string) error {
	var errs []error
	for _, a := range u.ancestors() {
		avail, err := readList(a, "cgroup.controllers")
		if err != nil {
			return err
		}
		on, err := readList(a, "cgroup.subtree_control")
		if err != nil {
			return err
		}
		for _, c := range ctrls {
			if !slices.Contains(avail, c) || slices.Contains(on, c) {
				continue
			}
			if err := writeFile(a, "cgroup.subtree_control", "+"+c); err != nil {
				// EBUSY here is the "no internal processes" rule: a has
				// processes of its own, so it cannot delegate c.
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// need enables ctrl for a limit and fails naming field if the leaf still
// does not get it.
func (u *unifiedDir) need(field, ctrl string) error {
	enableErr := u.enable([]string{ctrl})
	have, err := readList(u.dir, "cgroup.controllers")
	if err != nil {
		return err
	}
	if slices.Contains(have, ctrl) {
		return nil
	}
	if enableErr != nil {
		return fieldError(field, "%s controller cannot be enabled: %v", ctrl, enableErr)
	}
	return fieldError(field, "%s controller is not available in %s", ctrl, u.dir)
}

func (u *unifiedDir) enter(pid int) error {
	if err := writeFile(u.dir, "cgroup.procs", fmt.Sprint(pid)); err != nil {
		return fmt.Errorf("cgroups: move pid %d: %w", pid, err)
	}
	return nil
}

func (u *unifiedDir) freeze(on bool) error {
	v, want := "0", "frozen 0"
	if on {
		v, want = "1", "frozen 1"
	}
	if err := writeFile(u.dir, "cgroup.freeze", v); err != nil {
		return err
	}
	err := pollUntil(freezeTimeout, func() (bool, error) {
		ev, err := readFile(u.dir, "cgroup.events")
		if err != nil {
			return false, err
		}
		return slices.Contains(strings.Split(ev, "\n"), want), nil
	})
	if err != nil && on {
		_ = writeFile(u.dir, "cgroup.freeze", "0")
	}
	if err != nil {
		return fmt.Errorf("cgroups: wait for %s in %s: %w", want, u.dir, err)
	}
	return nil
}

func (u *unifiedDir) frozen() (bool, error) {
	s, err := readFile(u.dir, "cgroup.freeze")
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(s) == "1", nil
}

// readList reads a space separated list file such as cgroup.controllers.
func readList(dir, file string) ([]string, error) {
	s, err := readFile(dir, file)
	if err != nil {
		return nil, err
	}
	return strings.Fields(s), nil
}

// fs2Manager drives a container on the pure unified hierarchy.
type fs2Manager struct {
	u           *unifiedDir
	defaultPath bool
}

func (m *fs2Manager) Apply(pid int) error {
	if err := m.u.create(); err != nil {
		return err
	}
	if pid > 0 {
		return m.u.enter(pid)
	}
	return nil
}

func (m *fs2Manager) Set(r *specs.LinuxResources) error {
	return setV2(nil, m.u, r, true)
}

func (m *fs2Manager) Update(r *specs.LinuxResources) error {
	return transact(func(j *journal) error { return m.update(j, r) })
}

func (m *fs2Manager) update(j *journal, r *specs.LinuxResources) error {
	return setV2(j, m.u, r, false)
}

func (m *fs2Manager) Paths() map[string]string {
	return map[string]string{"": m.u.dir}
}

func (m *fs2Manager) Destroy() error {
	if err := rmdirTree(m.u.dir); err != nil {
		return fmt.Errorf("cgroups: destroy: %w", err)
	}
	if m.defaultPath {
		rmdirIfEmpty(filepath.Dir(m.u.dir))
	}
	return nil
}

func (m *fs2Manager) GetPids() ([]int, error) { return readPids(m.u.dir) }
func (m *fs2Manager) Freeze() error           { return m.u.freeze(true) }
func (m *fs2Manager) Thaw() error             { return m.u.freeze(false) }
func (m *fs2Manager) State() (bool, error)    { return m.u.frozen() }
func (m *fs2Manager) Exists() bool            { return fileExists(m.u.dir, "cgroup.procs") }

func (m *fs2Manager) Stats() (*Stats, error) {
	s := newStats()
	if err := statsV2(m.u.dir, s); err != nil {
		return nil, err
	}
	return s, nil
}
