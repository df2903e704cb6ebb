package rootfs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// This file holds the scenarios run inside the namespaced child (see
// runInChild). Each returns an error describing the first failed check.

type mountEntry struct {
	root, point, opts, optional, fstype, source, super string
}

type mountTable []mountEntry

func readMountTable() (mountTable, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var mt mountTable
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 6 || len(g) < 3 {
			return nil, fmt.Errorf("bad mountinfo line %q", line)
		}
		mt = append(mt, mountEntry{root: f[3], point: f[4], opts: f[5], optional: strings.Join(f[6:], " "),
			fstype: g[0], source: g[1], super: g[2]})
	}
	return mt, nil
}

// find returns the topmost mount at point.
func (mt mountTable) find(point string) (mountEntry, bool) {
	for i := len(mt) - 1; i >= 0; i-- {
		if mt[i].point == point {
			return mt[i], true
		}
	}
	return mountEntry{}, false
}

func hasOpts(list, want string) bool {
	have := map[string]bool{}
	for _, o := range strings.Split(list, ",") {
		have[o] = true
	}
	for _, o := range strings.Split(want, ",") {
		if o != "" && !have[o] {
			return false
		}
	}
	return true
}

// expectMount checks point is a mount of fstype (any when "") whose
// per-mount options include opts and super options include super.
func (mt mountTable) expectMount(point, fstype, opts, super string) error {
	m, ok := mt.find(point)
	if !ok {
		return fmt.Errorf("no mount at %s", point)
	}
	if fstype != "" && m.fstype != fstype {
		return fmt.Errorf("%s: fstype %s, want %s", point, m.fstype, fstype)
	}
	if !hasOpts(m.opts, opts) {
		return fmt.Errorf("%s: options %s, want %s", point, m.opts, opts)
	}
	if !hasOpts(m.super, super) {
		return fmt.Errorf("%s: super options %s, want %s", point, m.super, super)
	}
	return nil
}

func expectDevice(path string, typ uint32, major, minor uint32, perm uint32, uid, gid uint32) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != typ {
		return fmt.Errorf("%s: type %#o, want %#o", path, st.Mode&unix.S_IFMT, typ)
	}
	if typ != unix.S_IFIFO && st.Rdev != unix.Mkdev(major, minor) {
		return fmt.Errorf("%s: device %d:%d, want %d:%d", path, unix.Major(st.Rdev), unix.Minor(st.Rdev), major, minor)
	}
	if st.Mode&0o777 != perm || st.Uid != uid || st.Gid != gid {
		return fmt.Errorf("%s: mode %#o owner %d:%d, want %#o %d:%d", path, st.Mode&0o777, st.Uid, st.Gid, perm, uid, gid)
	}
	return nil
}

func expectEROFS(err error, what string) error {
	if !errors.Is(err, unix.EROFS) {
		return fmt.Errorf("%s: got %v, want EROFS", what, err)
	}
	return nil
}

func expectContent(path, want string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if string(b) != want {
		return fmt.Errorf("read %s: got %q, want %q", path, b, want)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkAttackBeforeEnter runs while the host tree is still visible: the
// tmpfs aimed at /etc/evil -> <host dir> must sit inside the rootfs.
func checkAttackBeforeEnter(cfg *childConfig) error {
	rootfs, err := filepath.EvalSymlinks(cfg.Rootfs)
	if err != nil {
		return err
	}
	mt, err := readMountTable()
	if err != nil {
		return err
	}
	if _, ok := mt.find(cfg.HostDir); ok {
		return fmt.Errorf("mount escaped the rootfs onto host dir %s", cfg.HostDir)
	}
	if _, ok := mt.find(cfg.HostGhost); ok {
		return fmt.Errorf("mount escaped the rootfs onto host path %s", cfg.HostGhost)
	}
	return firstErr(
		mt.expectMount(filepath.Join(rootfs, cfg.HostDir), "tmpfs", "", ""),
		mt.expectMount(filepath.Join(rootfs, cfg.HostGhost), "", "", ""),
	)
}

func openPty() (*os.File, error) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	// The master is leaked on purpose: the child exits right after.
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return nil, fmt.Errorf("unlockpt: %w", err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		return nil, fmt.Errorf("ptsname: %w", err)
	}
	return os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
}

func scenarioFull(cfg *childConfig) error {
	pending, err := Prepare(cfg.Spec, cfg.Rootfs, cfg.Opts)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	if err := checkAttackBeforeEnter(cfg); err != nil {
		return err
	}
	if err := Enter(cfg.Rootfs, cfg.Opts); err != nil {
		return fmt.Errorf("enter: %w", err)
	}
	console, err := openPty()
	if err != nil {
		return fmt.Errorf("open pty: %w", err)
	}
	if err := Finish(cfg.Spec, console, pending); err != nil {
		return fmt.Errorf("finish: %w", err)
	}
	mt, err := readMountTable()
	if err != nil {
		return err
	}
	return firstErr(
		checkFullMounts(mt, cfg),
		checkFullDevices(console),
		checkFullPaths(cfg),
		checkBusybox(),
	)
}

func checkFullMounts(mt mountTable, cfg *childConfig) error {
	errs := []error{
		mt.expectMount("/", "", "ro", ""),
		mt.expectMount("/proc", "proc", "rw", ""),
		mt.expectMount("/dev", "tmpfs", "rw,nosuid", "mode=755"),
		mt.expectMount("/dev/pts", "devpts", "nosuid,noexec", "ptmxmode=666,mode=620"),
		mt.expectMount("/dev/shm", "tmpfs", "nosuid,nodev,noexec", "size=65536k"),
		mt.expectMount("/dev/mqueue", "mqueue", "nosuid,nodev,noexec", ""),
		mt.expectMount("/dev/console", "devpts", "", ""),
		mt.expectMount("/sys", "sysfs", "ro,nosuid,nodev,noexec", ""),
		mt.expectMount("/mnt/ro", "", "ro,nosuid", ""),
		mt.expectMount("/etc/hostfile", "", "ro", ""),
		mt.expectMount("/mnt/rec", "tmpfs", "noexec,noatime", ""),
		mt.expectMount("/proc/sys", "proc", "ro", ""),
		mt.expectMount("/proc/bus", "proc", "ro", ""),
		mt.expectMount("/rodir", "", "ro", ""),
		mt.expectMount("/secretdir", "tmpfs", "ro", ""),
		mt.expectMount("/secret", "tmpfs", "", ""), // /dev/null lives on the /dev tmpfs
		mt.expectMount(cfg.HostDir, "tmpfs", "", ""),
	}
	// These depend on the kernel config, so only check the ones present.
	optional := []struct{ point, fstype, opts string }{
		{"/sys/firmware", "tmpfs", "ro"},
		{"/proc/acpi", "tmpfs", "ro"},
		{"/proc/kcore", "tmpfs", ""},
		{"/proc/keys", "tmpfs", ""},
		{"/proc/timer_list", "tmpfs", ""},
		{"/proc/sysrq-trigger", "proc", "ro"},
	}
	for _, o := range optional {
		if _, err := os.Stat(o.point); err == nil {
			errs = append(errs, mt.expectMount(o.point, o.fstype, o.opts, ""))
		}
	}
	if cfg.CgroupDir != "" {
		errs = append(errs,
			mt.expectMount("/sys/fs/cgroup", "tmpfs", "ro,nosuid,nodev,noexec", "mode=755"),
			mt.expectMount("/sys/fs/cgroup/memory", "cgroup", "ro,nosuid,nodev,noexec", "memory"),
			mt.expectMount("/sys/fs/cgroup/systemd", "cgroup", "ro", "name=systemd"),
		)
		if m, _ := mt.find("/sys/fs/cgroup/memory"); m.root != "/"+cfg.CgroupDir {
			errs = append(errs, fmt.Errorf("memory cgroup root %q, want the container's /%s", m.root, cfg.CgroupDir))
		}
	}
	for _, m := range mt {
		if strings.Contains(m.optional, "shared:") {
			errs = append(errs, fmt.Errorf("%s is shared (%s) with default propagation", m.point, m.optional))
		}
	}
	return firstErr(errs...)
}

func checkFullDevices(console *os.File) error {
	var cst, pst unix.Stat_t
	errs := []error{
		expectDevice("/dev/null", unix.S_IFCHR, 1, 3, 0o666, 0, 0),
		expectDevice("/dev/zero", unix.S_IFCHR, 1, 5, 0o666, 0, 0),
		expectDevice("/dev/tty", unix.S_IFCHR, 5, 0, 0o666, 0, 0),
		expectDevice("/dev/mydev", unix.S_IFCHR, 1, 7, 0o640, 1000, 1001),
		expectDevice("/dev/sub/myfifo", unix.S_IFIFO, 0, 0, 0o640, 0, 0),
		unix.Stat("/dev/console", &cst),
		unix.Fstat(int(console.Fd()), &pst),
	}
	if cst.Rdev != pst.Rdev || cst.Mode&unix.S_IFMT != unix.S_IFCHR {
		errs = append(errs, fmt.Errorf("/dev/console is %d:%d, want the pty %d:%d",
			unix.Major(cst.Rdev), unix.Minor(cst.Rdev), unix.Major(pst.Rdev), unix.Minor(pst.Rdev)))
	}
	for link, want := range map[string]string{"/dev/ptmx": "pts/ptmx", "/dev/fd": "/proc/self/fd", "/dev/stderr": "/proc/self/fd/2"} {
		if got, err := os.Readlink(link); err != nil || got != want {
			errs = append(errs, fmt.Errorf("%s -> %q (%v), want %q", link, got, err, want))
		}
	}
	return firstErr(errs...)
}

func checkFullPaths(cfg *childConfig) error {
	errs := []error{
		expectContent("/secret", ""),
		expectContent("/proc/keys", ""),
		expectContent("/mnt/ro/data", "ro data"),
		expectContent("/etc/hostfile", "host file"),
		expectEROFS(os.WriteFile("/secretdir/x", nil, 0o644), "write masked dir"),
		expectEROFS(os.WriteFile("/rodir/x", nil, 0o644), "write readonly path"),
		expectEROFS(os.WriteFile("/proc/sys/kernel/hostname", []byte("x"), 0o644), "write /proc/sys"),
		expectEROFS(os.WriteFile("/newfile", nil, 0o644), "write readonly root"),
		expectEROFS(os.WriteFile("/mnt/ro/data", nil, 0o644), "write ro bind"),
	}
	if ents, err := os.ReadDir("/secretdir"); err != nil || len(ents) != 0 {
		errs = append(errs, fmt.Errorf("masked dir /secretdir: %v entries, err %v", len(ents), err))
	}
	// The host's tree must be gone: neither the host marker nor the
	// rootfs's own host path may be reachable.
	for _, p := range []string{filepath.Join(cfg.HostDir, "marker"), cfg.Rootfs} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("host path %s visible in the container (err=%v)", p, err))
		}
	}
	return firstErr(errs...)
}

// checkBusybox runs a program from the rootfs to prove it is usable.
func checkBusybox() error {
	out, err := exec.Command("/bin/sh", "-c", "stat -c %t:%T /dev/null; cat /secret; ls /secretdir").CombinedOutput()
	if err != nil || string(out) != "1:3\n" {
		return fmt.Errorf("busybox in the container: %q, %v", out, err)
	}
	return nil
}

func scenarioNoPivotUserNS(cfg *childConfig) error {
	pending, err := Prepare(cfg.Spec, cfg.Rootfs, cfg.Opts)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	if err := checkAttackBeforeEnter(cfg); err != nil {
		return err
	}
	if err := Enter(cfg.Rootfs, cfg.Opts); err != nil {
		return fmt.Errorf("enter: %w", err)
	}
	if err := Finish(cfg.Spec, nil, pending); err != nil {
		return fmt.Errorf("finish: %w", err)
	}
	mt, err := readMountTable()
	if err != nil {
		return err
	}
	errs := []error{
		// Device nodes are bind mounts of the host's devtmpfs nodes.
		mt.expectMount("/dev/null", "devtmpfs", "", ""),
		mt.expectMount("/dev/urandom", "devtmpfs", "", ""),
		expectDevice("/dev/null", unix.S_IFCHR, 1, 3, 0o666, 0, 0),
		expectContent("/secret", ""),
		expectEROFS(os.WriteFile("/rodir/x", nil, 0o644), "write readonly path"),
		os.WriteFile("/tmp/writable", nil, 0o644), // root is not read-only here
	}
	if m, ok := mt.find("/"); !ok || strings.Contains(m.optional, "shared:") || strings.Contains(m.optional, "master:") {
		errs = append(errs, fmt.Errorf("root propagation %q, want private", m.optional))
	}
	if _, err := os.Stat(filepath.Join(cfg.HostDir, "marker")); !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("host marker visible after chroot: %v", err))
	}
	return firstErr(errs...)
}

func scenarioExpectPrepareError(cfg *childConfig) error {
	_, err := Prepare(cfg.Spec, cfg.Rootfs, cfg.Opts)
	if err == nil || !strings.Contains(err.Error(), cfg.WantErr) {
		return fmt.Errorf("prepare: got error %v, want one containing %q", err, cfg.WantErr)
	}
	fmt.Println("prepare failed as expected:", err)
	return nil
}

func scenarioFakeDevNull(cfg *childConfig) error {
	pending, err := Prepare(cfg.Spec, cfg.Rootfs, cfg.Opts)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	if err := Enter(cfg.Rootfs, cfg.Opts); err != nil {
		return fmt.Errorf("enter: %w", err)
	}
	err = Finish(cfg.Spec, nil, pending)
	if err == nil || !strings.Contains(err.Error(), "/dev/null is not the 1:3 character device") {
		return fmt.Errorf("finish with a fake /dev/null: got %v", err)
	}
	mt, err := readMountTable()
	if err != nil {
		return err
	}
	if _, ok := mt.find("/secret"); ok {
		return errors.New("/secret was masked with the fake /dev/null")
	}
	return nil
}

func scenarioConsoleSymlink(cfg *childConfig) error {
	pending, err := Prepare(cfg.Spec, cfg.Rootfs, cfg.Opts)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	if err := Enter(cfg.Rootfs, cfg.Opts); err != nil {
		return fmt.Errorf("enter: %w", err)
	}
	if err := os.WriteFile("/etc/target", []byte("x"), 0o644); err != nil {
		return err
	}
	if err := os.Symlink("/etc/target", "/dev/console"); err != nil {
		return err
	}
	console, err := openPty()
	if err != nil {
		return fmt.Errorf("open pty: %w", err)
	}
	err = Finish(cfg.Spec, console, pending)
	if err == nil || !strings.Contains(err.Error(), "refusing to mount console") {
		return fmt.Errorf("finish with /dev/console symlink: got %v", err)
	}
	mt, err := readMountTable()
	if err != nil {
		return err
	}
	if _, ok := mt.find("/etc/target"); ok {
		return errors.New("console was mounted through the /dev/console symlink")
	}
	return nil
}

func scenarioCgroup2Bind(cfg *childConfig) error {
	_, err := Prepare(cfg.Spec, cfg.Rootfs, cfg.Opts)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	if err := Enter(cfg.Rootfs, cfg.Opts); err != nil {
		return fmt.Errorf("enter: %w", err)
	}
	mt, err := readMountTable()
	if err != nil {
		return err
	}
	if err := mt.expectMount("/sys/fs/cgroup", "cgroup2", "ro,nosuid,nodev,noexec", ""); err != nil {
		return err
	}
	if m, _ := mt.find("/sys/fs/cgroup"); m.root != "/"+cfg.CgroupDir {
		return fmt.Errorf("cgroup2 root %q, want /%s", m.root, cfg.CgroupDir)
	}
	return expectEROFS(os.Mkdir("/sys/fs/cgroup/child", 0o755), "mkdir in ro cgroup")
}
