package cgroups

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/hostbin"
	"github.com/rt-runtime/rt/libct/userns"
)

// Rootless cgroups (Config.Rootless, runc's rules): a user who may not
// write the cgroup tree still gets a container, without a cgroup, as long
// as the config asks for none in particular (no linux.cgroupsPath) and
// sets no limit. Device rules are never an error (setRootless).

// rootlessManager wraps the cgroupfs driver of a rootless container.
type rootlessManager struct {
	Manager
	// explicit: linux.cgroupsPath was given, so a permission error is one.
	explicit bool
	// none: the cgroup could not be made and the container has none.
	none bool
}

// permissionError is what an unprivileged caller gets from a cgroup tree
// that is not delegated to it.
func permissionError(err error) bool {
	return errors.Is(err, os.ErrPermission) || errors.Is(err, unix.EROFS) ||
		errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)
}

func (m *rootlessManager) Apply(pid int) error {
	if m.none {
		return nil
	}
	err := m.Manager.Apply(pid)
	if err == nil || !permissionError(err) {
		return err
	}
	if m.explicit {
		// runc's words, which its tests and users look for.
		return fmt.Errorf("unable to apply cgroup configuration: %w", err)
	}
	slog.Debug("rootless: no permission for cgroups, running without one", "err", err)
	// What was made before the refusal (another hierarchy) goes.
	_ = m.Manager.Destroy()
	m.none = true
	return nil
}

func (m *rootlessManager) Set(r *specs.LinuxResources) error {
	if m.none {
		if what := limitName(r); what != "" {
			return fmt.Errorf("cannot set %s limit: container could not join or create cgroup", what)
		}
		return nil
	}
	return setRootless(m.Manager, r)
}

// setRootless writes r with m, the device rules (the default ones too when
// r has none: they make a filter as well) best effort, as runc has them:
// a device filter or devices.deny needs privileges a user has not, and
// the user namespace already keeps the devices the container can open to
// those bind-mounted from the host.
func setRootless(m Manager, r *specs.LinuxResources) error {
	if err := Update(m, r); err != nil {
		return err
	}
	var devs []specs.LinuxDeviceCgroup
	if r != nil {
		devs = r.Devices
	}
	if err := m.Set(&specs.LinuxResources{Devices: devs}); err != nil {
		slog.Debug("rootless: device rules not applied", "err", err)
	}
	return nil
}

// Paths is empty for a container without a cgroup: later commands then
// know there is none to join, signal, freeze or remove.
func (m *rootlessManager) Paths() map[string]string {
	if m.none {
		return map[string]string{}
	}
	return m.Manager.Paths()
}

func (m *rootlessManager) Destroy() error {
	if m.none {
		return nil
	}
	return m.Manager.Destroy()
}

// limitName names the first limit r sets (devices aside), as runc names
// the controller, or "".
func limitName(r *specs.LinuxResources) string {
	r = Normalize(r)
	switch {
	case r.Memory != nil && (r.Memory.Limit != nil || r.Memory.Reservation != nil || r.Memory.Swap != nil ||
		r.Memory.Kernel != nil || r.Memory.KernelTCP != nil || r.Memory.Swappiness != nil || //nolint:staticcheck // still a limit
		r.Memory.DisableOOMKiller != nil || r.Memory.UseHierarchy != nil || r.Memory.CheckBeforeUpdate != nil):
		return "memory"
	case r.CPU != nil && (r.CPU.Shares != nil || r.CPU.Quota != nil || r.CPU.Period != nil || r.CPU.Burst != nil ||
		r.CPU.RealtimeRuntime != nil || r.CPU.RealtimePeriod != nil || r.CPU.Cpus != "" || r.CPU.Mems != "" || r.CPU.Idle != nil):
		return "cpu"
	case r.Pids != nil && r.Pids.Limit != nil:
		return "pids"
	case r.BlockIO != nil && (r.BlockIO.Weight != nil || r.BlockIO.LeafWeight != nil || len(r.BlockIO.WeightDevice) > 0 ||
		len(r.BlockIO.ThrottleReadBpsDevice) > 0 || len(r.BlockIO.ThrottleWriteBpsDevice) > 0 ||
		len(r.BlockIO.ThrottleReadIOPSDevice) > 0 || len(r.BlockIO.ThrottleWriteIOPSDevice) > 0):
		return "blkio"
	case len(r.HugepageLimits) > 0:
		return "hugetlb"
	case r.Network != nil && (r.Network.ClassID != nil || len(r.Network.Priorities) > 0):
		return "net_cls"
	case len(r.Rdma) > 0:
		return "rdma"
	case len(r.Unified) > 0:
		return "unified"
	}
	return ""
}

// DetectUID returns the uid the user's systemd knows this process by: its
// own uid, or inside a user namespace (an engine's rootless setup, where
// we are root) the owner of the session bus, as `busctl --user status`
// reports it. D-Bus checks EXTERNAL authentication against the uid the
// bus daemon sees, the host's.
func DetectUID() (int, error) {
	if !userns.RunningInUserNS() {
		return os.Getuid(), nil
	}
	busctl, err := hostbin.Find("busctl")
	if err != nil {
		return -1, fmt.Errorf("detect the session bus owner: busctl: %w", err)
	}
	out, err := exec.Command(busctl, "--user", "--no-pager", "status").CombinedOutput()
	if err != nil {
		return -1, fmt.Errorf("could not execute `busctl --user --no-pager status` (output: %q): %w", out, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "OwnerUID="); ok {
			uid, err := strconv.Atoi(v)
			if err != nil {
				return -1, fmt.Errorf("could not detect the OwnerUID: %w", err)
			}
			return uid, nil
		}
	}
	return -1, errors.New("could not detect the OwnerUID")
}

// sessionBusAddress is the user's bus: $DBUS_SESSION_BUS_ADDRESS, else
// the socket systemd's dbus-user-session keeps in $XDG_RUNTIME_DIR.
func sessionBusAddress() (string, error) {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
		return a, nil
	}
	if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" {
		p := filepath.Join(x, "bus")
		if _, err := os.Stat(p); err == nil {
			return "unix:path=" + godbus.EscapeBusAddressValue(p), nil
		}
	}
	return "", errors.New("could not detect DBUS_SESSION_BUS_ADDRESS from the environment; make sure you have installed the dbus-user-session or dbus-daemon package; note you may need to re-login")
}

// userSystemd connects to the user's own systemd over the session bus,
// authenticating as the host uid (see DetectUID).
func userSystemd() (*sdbus.Conn, error) {
	addr, err := sessionBusAddress()
	if err != nil {
		return nil, err
	}
	uid, err := DetectUID()
	if err != nil {
		return nil, err
	}
	return sdbus.NewConnection(func() (*godbus.Conn, error) {
		conn, err := godbus.Dial(addr)
		if err != nil {
			return nil, fmt.Errorf("error while dialing %q: %w", addr, err)
		}
		if err := conn.Auth([]godbus.Auth{godbus.AuthExternal(strconv.Itoa(uid))}); err != nil {
			conn.Close()
			return nil, fmt.Errorf("error while authenticating connection (address=%q, UID=%d): %w", addr, uid, err)
		}
		if err := conn.Hello(); err != nil {
			conn.Close()
			return nil, fmt.Errorf("error while sending Hello message (address=%q, UID=%d): %w", addr, uid, err)
		}
		return conn, nil
	})
}

// userManagerCgroup is the cgroup of the user's systemd instance
// ("/user.slice/user-1000.slice/user@1000.service"): its units' cgroups
// are below it.
func userManagerCgroup(conn *sdbus.Conn) (string, error) {
	v, err := conn.GetManagerProperty("ControlGroup")
	if err != nil {
		return "", fmt.Errorf("--systemd-cgroup: ask the user's systemd for its cgroup: %w", err)
	}
	cg := strings.Trim(v, "\"")
	if !strings.HasPrefix(cg, "/") {
		return "", fmt.Errorf("--systemd-cgroup: the user's systemd reports cgroup %q", v)
	}
	return cg, nil
}
