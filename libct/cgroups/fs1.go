package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fs1Manager drives a container on cgroup v1, plus the unified cgroup on
// hybrid hosts.
type fs1Manager struct {
	paths       map[string]string // controller -> dir
	unified     *unifiedDir       // hybrid only
	layout      *layout
	defaultPath bool
	made        bool // Apply made the directories (create's Apply(pid) only moves)
}

// dirs lists each directory once (co-mounted controllers share one).
func (m *fs1Manager) dirs() []string { return v1Dirs(m.paths) }

// v1Dirs lists the distinct v1 directories of paths (controller -> dir;
// co-mounted controllers share one), sorted; the unified one ("") and the
// systemd driver's keys are not among them.
func v1Dirs(paths map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for k, d := range paths {
		if k != "" && k != SystemdUnitKey && k != SystemdUserKey && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// dir returns the controller's directory or an error naming the spec
// field that needs it.
func (m *fs1Manager) dir(field, ctrl string) (string, error) {
	if d, ok := m.paths[ctrl]; ok {
		return d, nil
	}
	return "", fieldError(field, "%s controller is not mounted", ctrl)
}

func (m *fs1Manager) Apply(pid int) error {
	if err := m.create(); err != nil {
		return err
	}
	if pid <= 0 {
		return nil
	}
	for _, d := range m.dirs() {
		if err := writeFile(d, "cgroup.procs", fmt.Sprint(pid)); err != nil {
			return fmt.Errorf("cgroups: move pid %d: %w", pid, err)
		}
	}
	if m.unified != nil {
		return m.unified.enter(pid)
	}
	return nil
}

// create makes the container's directory in every hierarchy, once per
// manager.
func (m *fs1Manager) create() error {
	if m.made {
		return nil
	}
	for _, d := range m.dirs() {
		if err := mkdirAll(d); err != nil {
			return fmt.Errorf("cgroups: %w", err)
		}
	}
	if d, ok := m.paths["cpuset"]; ok {
		if err := m.initCpuset(d); err != nil {
			return err
		}
	}
	if m.unified != nil {
		if err := m.unified.create(); err != nil {
			return err
		}
	}
	m.made = true
	return nil
}

// initCpuset fills empty cpuset.cpus/mems from the parent, top-down: a v1
// cpuset cgroup starts with none and refuses tasks until both are set.
func (m *fs1Manager) initCpuset(dir string) error {
	mount := dir
	if h := m.layout.hierarchyOf("cpuset"); h != nil {
		mount = h.mountpoint
	}
	rel, err := filepath.Rel(mount, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("cgroups: %s is not below the cpuset mount %s", dir, mount)
	}
	parent := mount
	for _, p := range strings.Split(rel, string(filepath.Separator)) {
		if p == "." {
			break
		}
		cur := filepath.Join(parent, p)
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			v, err := readFile(cur, f)
			if err != nil {
				return fmt.Errorf("cgroups: init cpuset: %w", err)
			}
			if strings.TrimSpace(v) != "" {
				continue
			}
			pv, err := readFile(parent, f)
			if err != nil {
				return fmt.Errorf("cgroups: init cpuset: %w", err)
			}
			if err := writeFile(cur, f, strings.TrimSpace(pv)); err != nil {
				return fmt.Errorf("cgroups: init cpuset: %w", err)
			}
		}
		parent = cur
	}
	return nil
}

func (m *fs1Manager) Paths() map[string]string {
	out := make(map[string]string, len(m.paths)+1)
	for k, v := range m.paths {
		out[k] = v
	}
	if m.unified != nil {
		out[""] = m.unified.dir
	}
	return out
}

func (m *fs1Manager) Destroy() error {
	var errs []error
	all := m.dirs()
	if m.unified != nil {
		all = append(all, m.unified.dir)
	}
	for _, d := range all {
		if err := rmdirTree(d); err != nil {
			errs = append(errs, err)
			continue
		}
		if m.defaultPath {
			rmdirIfEmpty(filepath.Dir(d))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cgroups: destroy: %w", err)
	}
	return nil
}

// pidsDir picks the hierarchy to list processes from. All hierarchies hold
// the same processes; freezer is preferred since pause relies on it.
func (m *fs1Manager) pidsDir() (string, error) {
	for _, c := range []string{"freezer", "pids", "devices", "memory", "cpu"} {
		if d, ok := m.paths[c]; ok {
			return d, nil
		}
	}
	if ds := m.dirs(); len(ds) > 0 {
		return ds[0], nil
	}
	if m.unified != nil {
		return m.unified.dir, nil
	}
	return "", errors.New("cgroups: no cgroup directory")
}

func (m *fs1Manager) GetPids() ([]int, error) {
	d, err := m.pidsDir()
	if err != nil {
		return nil, err
	}
	return readPids(d)
}

func (m *fs1Manager) Exists() bool {
	d, err := m.pidsDir()
	return err == nil && fileExists(d, "cgroup.procs")
}

func (m *fs1Manager) Freeze() error {
	if d, ok := m.paths["freezer"]; ok {
		return freezeV1(d)
	}
	if m.unified != nil && fileExists(m.unified.dir, "cgroup.freeze") {
		return m.unified.freeze(true)
	}
	return errors.New("cgroups: freeze: freezer controller is not mounted")
}

func (m *fs1Manager) Thaw() error {
	if d, ok := m.paths["freezer"]; ok {
		return thawV1(d)
	}
	if m.unified != nil && fileExists(m.unified.dir, "cgroup.freeze") {
		return m.unified.freeze(false)
	}
	return errors.New("cgroups: thaw: freezer controller is not mounted")
}

func (m *fs1Manager) State() (bool, error) {
	unified := ""
	if m.unified != nil {
		unified = m.unified.dir
	}
	return frozenAt(m.paths["freezer"], unified)
}

// frozenAt is the freezer state of a cgroup whose v1 freezer directory is
// freezer and whose cgroup2 directory is unified (either may be ""): the
// v1 freezer decides where there is one.
func frozenAt(freezer, unified string) (bool, error) {
	if freezer != "" {
		s, err := readFile(freezer, "freezer.state")
		if err != nil {
			return false, err
		}
		return strings.TrimSpace(s) != "THAWED", nil
	}
	if unified != "" && fileExists(unified, "cgroup.freeze") {
		return (&unifiedDir{dir: unified}).frozen()
	}
	return false, nil
}

func freezeV1(dir string) error {
	tries := 0
	err := pollUntil(freezeTimeout, func() (bool, error) {
		// Writing FROZEN again nudges tasks that were forked or
		// woken while the cgroup was FREEZING.
		if tries%50 == 0 {
			if err := writeFile(dir, "freezer.state", "FROZEN"); err != nil {
				return false, err
			}
		}
		tries++
		s, err := readFile(dir, "freezer.state")
		return strings.TrimSpace(s) == "FROZEN", err
	})
	if err != nil {
		_ = writeFile(dir, "freezer.state", "THAWED")
		return fmt.Errorf("cgroups: freeze %s: %w", dir, err)
	}
	return nil
}

func thawV1(dir string) error {
	if err := writeFile(dir, "freezer.state", "THAWED"); err != nil {
		return fmt.Errorf("cgroups: thaw: %w", err)
	}
	err := pollUntil(freezeTimeout, func() (bool, error) {
		s, err := readFile(dir, "freezer.state")
		return strings.TrimSpace(s) == "THAWED", err
	})
	if err != nil {
		return fmt.Errorf("cgroups: thaw %s: %w", dir, err)
	}
	return nil
}

func (m *fs1Manager) Stats() (*Stats, error) {
	s := newStats()
	if err := statsV1(m, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (m *fs1Manager) Set(r *specs.LinuxResources) error { return m.set(nil, r, true) }

func (m *fs1Manager) Update(r *specs.LinuxResources) error {
	return transact(func(j *journal) error { return m.update(j, r) })
}

func (m *fs1Manager) update(j *journal, r *specs.LinuxResources) error { return m.set(j, r, false) }

// set applies r, recording its writes in j (see journal); devices=false
// leaves the device rules as they are (see Update).
func (m *fs1Manager) set(j *journal, r *specs.LinuxResources, devices bool) error {
	r = Normalize(r)
	if len(r.Unified) > 0 {
		// "invalid configuration" is runc's word for it: tools grep it.
		return fieldError("unified", "invalid configuration: only supported on cgroup v2 (this host is %s)", m.layout.mode)
	}
	steps := []func() error{
		func() error {
			if !devices {
				return nil
			}
			return m.setDevices(r.Devices)
		},
		func() error { return m.setMemory(j, r.Memory) },
		func() error { return m.setCPU(j, r.CPU) },
		func() error { return m.setPids(j, r.Pids) },
		func() error { return m.setBlkio(j, r.BlockIO) },
		func() error { return m.setHugetlb(j, r.HugepageLimits) },
		func() error { return m.setNetwork(j, r.Network) },
		func() error { return m.setRdma(j, r.Rdma) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}
