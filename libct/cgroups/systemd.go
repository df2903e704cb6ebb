package cgroups

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// systemdJobTimeout bounds the wait for a start or stop job (runc: 30 s).
const systemdJobTimeout = 30 * time.Second

// ErrNoSystemd is returned by New for Config.Systemd on a host where
// systemd is not the init system.
var ErrNoSystemd = errors.New("--systemd-cgroup: systemd is not running (no D-Bus system bus)")

// systemdManager is the systemd driver (--systemd-cgroup). systemd makes
// the container's cgroup as a transient unit (a delegated scope) holding
// its init; rt then drives that cgroup's files with the fs driver as for
// any other cgroup, so everything systemd has no property for is applied
// too, and pause, stats and exec work the same.
type systemdManager struct {
	slice, unit string
	// fs is the fs1 or fs2 manager on the unit's cgroup.
	fs Manager
	v2 bool
	// res holds what Set got before the unit existed: systemd only makes
	// a scope together with its first process, so Apply(0) and Set just
	// remember, and Apply(pid) starts the unit with the limits.
	res *specs.LinuxResources
	// started: the unit was started here (or the manager was loaded for
	// a container that has one), so Destroy must stop it.
	started bool
	conn    *sdbus.Conn
	version int // systemd's major version, 0 until asked
	// user: the unit is the user's own systemd's (rootless).
	user bool
}

// systemdRunning is sd_booted(): systemd creates /run/systemd/system
// early at boot, and nothing else does.
func systemdRunning() bool {
	fi, err := os.Lstat("/run/systemd/system")
	return err == nil && fi.IsDir()
}

func newSystemd(c Config) (Manager, error) {
	path := c.Path
	if path == "" && c.Rootless {
		// As runc: a rootless container's default slice is the user's.
		path = "user.slice:" + defaultScopePrefix + ":" + c.ID
	}
	slice, unit, err := systemdUnit(path, c.ID)
	if err != nil {
		return nil, err
	}
	if !systemdRunning() {
		return nil, ErrNoSystemd
	}
	l, err := hostLayout()
	if err != nil {
		return nil, err
	}
	p, err := unitCgroup(slice, unit)
	if err != nil {
		return nil, err
	}
	var conn *sdbus.Conn
	if c.Rootless {
		if l.mode != modeV2 {
			return nil, errors.New("--systemd-cgroup: rootless needs cgroup v2 (the user's systemd has no v1 controllers delegated)")
		}
		if conn, err = userSystemd(); err != nil {
			return nil, fmt.Errorf("--systemd-cgroup: connect to the user's systemd: %w", err)
		}
		// The user's units live below its manager's own cgroup.
		mcg, err := userManagerCgroup(conn)
		if err != nil {
			conn.Close()
			return nil, err
		}
		p = mcg + p
	}
	// The unit's cgroup is at the same place in every hierarchy, below
	// its root (p is absolute, so no own cgroups are needed).
	fs, err := newManager(l, nil, p)
	if err != nil {
		return nil, err
	}
	m := &systemdManager{slice: slice, unit: unit, fs: fs, v2: l.mode == modeV2, user: c.Rootless}
	if conn != nil {
		m.conn = conn
		if v, err := conn.GetManagerProperty("Version"); err == nil {
			m.version = systemdVersion(v)
		}
	}
	// Connect now, so a missing bus fails create before anything is made.
	if _, err := m.dbus(); err != nil {
		return nil, err
	}
	return m, nil
}

// loadSystemd rebuilds the manager of a container made with the systemd
// driver; dirs are its cgroup directories (Paths without the unit name).
func loadSystemd(unit string, dirs map[string]string, user bool) (Manager, error) {
	if err := validUnitName(unit); err != nil {
		return nil, fmt.Errorf("cgroups: load: %w", err)
	}
	fs, err := Load(dirs)
	if err != nil {
		return nil, err
	}
	_, v2 := fs.(*fs2Manager)
	return &systemdManager{unit: unit, fs: fs, v2: v2, started: true, user: user}, nil
}

// dbus connects to systemd on first use: directly over its private
// socket as root, else through the system bus. The connection stays open
// for the life of the (short) rt process.
func (m *systemdManager) dbus() (*sdbus.Conn, error) {
	if m.conn != nil {
		return m.conn, nil
	}
	var conn *sdbus.Conn
	var err error
	if m.user {
		conn, err = userSystemd()
	} else {
		// No deadline: a context given to the connection closes it when done.
		conn, err = sdbus.NewWithContext(context.Background())
	}
	if err != nil {
		return nil, fmt.Errorf("--systemd-cgroup: connect to systemd: %w", err)
	}
	m.conn = conn
	if v, err := conn.GetManagerProperty("Version"); err == nil {
		m.version = systemdVersion(v)
	}
	return conn, nil
}

func (m *systemdManager) Apply(pid int) error {
	if m.started {
		return m.fs.Apply(pid)
	}
	if pid <= 0 {
		return nil
	}
	m.started = true
	if err := m.startUnit(pid); err != nil {
		return err
	}
	// systemd made the cgroup where it drives controllers (on v1 not
	// necessarily all of them): the fs driver makes the rest and puts pid
	// there too, then writes the limits systemd has no property for.
	if err := m.fs.Apply(pid); err != nil {
		return err
	}
	if m.res != nil {
		return m.setFiles(m.res)
	}
	return nil
}

// setFiles writes r into the unit's cgroup files; in a user's own unit
// (rootless) as setRootless does.
func (m *systemdManager) setFiles(r *specs.LinuxResources) error {
	r = withSystemdQuota(r)
	if !m.user {
		return m.fs.Set(r)
	}
	return setRootless(m.fs, r)
}

func (m *systemdManager) startUnit(pid int) error {
	conn, err := m.dbus()
	if err != nil {
		return err
	}
	props := unitProperties(m.slice, m.unit, pid, m.res, m.v2, m.version)
	ctx, cancel := context.WithTimeout(context.Background(), systemdJobTimeout)
	defer cancel()
	for retried := false; ; retried = true {
		ch := make(chan string, 1)
		_, err := conn.StartTransientUnitContext(ctx, m.unit, "replace", props, ch)
		if err == nil {
			return m.waitJob(ctx, conn, ch, "start")
		}
		if !isDBusError(err, "org.freedesktop.systemd1.UnitExists") {
			return fmt.Errorf("cgroups: start systemd unit %s: %w", m.unit, err)
		}
		if retried {
			return fmt.Errorf("cgroups: systemd unit %s already exists (linux.cgroupsPath names a unit in use)", m.unit)
		}
		// A failed unit of an earlier container by that name stays loaded
		// until reset; a live one makes the retry fail again.
		_ = conn.ResetFailedUnitContext(ctx, m.unit)
	}
}

// waitJob waits for the result of a start or stop job; anything but
// "done" is an error naming the unit.
func (m *systemdManager) waitJob(ctx context.Context, conn *sdbus.Conn, ch <-chan string, what string) error {
	select {
	case res := <-ch:
		if res == "done" {
			return nil
		}
		_ = conn.ResetFailedUnitContext(ctx, m.unit)
		return fmt.Errorf("cgroups: systemd unit %s: %s job ended %q", m.unit, what, res)
	case <-ctx.Done():
		return fmt.Errorf("cgroups: systemd unit %s: no result from the %s job after %s", m.unit, what, systemdJobTimeout)
	}
}

func (m *systemdManager) Set(r *specs.LinuxResources) error {
	if !m.started {
		m.res = r
		return nil
	}
	if err := m.setProperties(resourceProperties(r, m.v2, m.version)); err != nil {
		return err
	}
	return m.setFiles(r)
}

// update is Update for a running container: the files without the device
// rules, then the unit's properties (the same values: see
// withSystemdQuota). In that order a failure anywhere is undone by the
// files' journal alone, as systemd checks all properties before it
// applies any.
func (m *systemdManager) update(r *specs.LinuxResources) error {
	props := resourceProperties(r, m.v2, m.version)
	return transact(func(j *journal) error {
		if err := updateFiles(j, m.fs, withSystemdQuota(r)); err != nil {
			return err
		}
		return m.setProperties(props)
	})
}

// setProperties tells systemd the new limits (runtime only: transient
// units have no unit file to persist them in). systemd checks them all
// before it applies any.
func (m *systemdManager) setProperties(props []sdbus.Property) error {
	if len(props) == 0 {
		return nil
	}
	conn, err := m.dbus()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), systemdJobTimeout)
	defer cancel()
	if err := conn.SetUnitPropertiesContext(ctx, m.unit, true, props...); err != nil {
		return fmt.Errorf("cgroups: set properties of systemd unit %s: %w", m.unit, err)
	}
	return nil
}

func (m *systemdManager) Paths() map[string]string {
	out := m.fs.Paths()
	out[SystemdUnitKey] = m.unit
	if m.user {
		out[SystemdUserKey] = "1"
	}
	return out
}

// Destroy stops the unit (systemd kills what is left in it and removes
// its cgroup), then removes what systemd did not make.
func (m *systemdManager) Destroy() error {
	var errs []error
	if m.started {
		if err := m.stopUnit(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := m.fs.Destroy(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (m *systemdManager) stopUnit() error {
	conn, err := m.dbus()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), systemdJobTimeout)
	defer cancel()
	ch := make(chan string, 1)
	if _, err := conn.StopUnitContext(ctx, m.unit, "replace", ch); err != nil {
		// A scope goes away by itself once its last process exits.
		if isDBusError(err, "org.freedesktop.systemd1.NoSuchUnit") {
			return nil
		}
		return fmt.Errorf("cgroups: stop systemd unit %s: %w", m.unit, err)
	}
	err = m.waitJob(ctx, conn, ch, "stop")
	// A scope whose processes were killed can end up "failed", which
	// keeps it listed (and its name taken) until reset.
	_ = conn.ResetFailedUnitContext(ctx, m.unit)
	return err
}

func (m *systemdManager) GetPids() ([]int, error) { return m.fs.GetPids() }
func (m *systemdManager) Freeze() error           { return m.fs.Freeze() }
func (m *systemdManager) Thaw() error             { return m.fs.Thaw() }
func (m *systemdManager) State() (bool, error)    { return m.fs.State() }
func (m *systemdManager) Stats() (*Stats, error)  { return m.fs.Stats() }
func (m *systemdManager) Exists() bool            { return m.fs.Exists() }

// isDBusError tells whether err is the D-Bus error called name, such as
// org.freedesktop.systemd1.NoSuchUnit.
func isDBusError(err error, name string) bool {
	var e godbus.Error
	if errors.As(err, &e) {
		return e.Name == name
	}
	var pe *godbus.Error
	return errors.As(err, &pe) && pe.Name == name
}
