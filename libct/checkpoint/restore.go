package checkpoint

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	criurpc "github.com/checkpoint-restore/go-criu/v8/rpc"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/container"
	"github.com/rt-runtime/rt/libct/rootfs"
	"github.com/rt-runtime/rt/libct/specconv"
)

// Restore brings the checkpoint in o.ImagePath back to life as the
// container r, with stdio as the stdio CRIU hands to restored pipes. It
// returns the pid of the restored init, a child of this process; the
// container's state says it is running. On error the caller aborts r.
func Restore(r *container.Restoring, o *Options, stdio [3]*os.File) (int, error) {
	logName := "restore.log"
	opts, logDir, closeDirs, err := o.prepare(logName)
	if err != nil {
		return 0, err
	}
	defer closeDirs()
	spec := r.Spec()
	opts.EvasiveDevices = ptr(true)
	opts.RstSibling = ptr(true)
	if o.LsmProfile != "" {
		opts.LsmProfile = &o.LsmProfile
	}
	if o.LsmMountContext != "" {
		opts.LsmMountContext = &o.LsmMountContext
	}
	configFile(opts, spec)

	root, unbind, err := bindRoot(r.Dir(), r.Rootfs())
	if err != nil {
		return 0, err
	}
	defer unbind()
	opts.Root = &root

	var extra []*os.File
	defer func() {
		for _, f := range extra {
			f.Close()
		}
	}()
	if err := restoreNamespaces(opts, spec, &extra); err != nil {
		return 0, err
	}
	bundle := r.Container().Saved().Bundle
	if err := createMountpoints(spec, r.Rootfs(), bundle); err != nil {
		return 0, err
	}
	restoreMounts(opts, spec, r, bundle)
	if err := inheritStdio(opts, o.ImagePath); err != nil {
		return 0, err
	}

	s, err := startCriu(stdio, extra)
	if err != nil {
		return 0, err
	}
	// The restored tasks are CRIU's children (siblings with rst_sibling)
	// and start in its cgroup.
	err = r.JoinCgroup(s.cmd.Process.Pid)
	if err == nil {
		err = cgroupRoots(opts, s.cmd.Process.Pid)
	}
	if err != nil {
		s.cmd.Process.Kill()
		s.close(false)
		return 0, err
	}
	pid := 0
	t := criurpc.CriuReqType_RESTORE
	resp, err := s.call(&criurpc.CriuReq{Type: &t, Opts: opts}, func(script string, npid int, fds []int) error {
		switch script {
		case "setup-namespaces":
			return r.RunCreateHooks(npid)
		case "orphan-pts-master":
			if len(fds) != 1 {
				return fmt.Errorf("%d fds instead of the pty master", len(fds))
			}
			m := os.NewFile(uintptr(fds[0]), "pty-master")
			fds[0] = -1 // m owns it now
			defer m.Close()
			return r.SendConsole(m)
		case "post-restore":
			pid = npid
			addTimeNamespace(spec, pid)
			return r.Finish(pid)
		}
		return nil
	})
	cerr := s.close(err == nil)
	if err == nil {
		err = cerr
	}
	if err != nil {
		return 0, withLog(err, logDir, logName)
	}
	if pid == 0 {
		if pid = int(resp.GetRestore().GetPid()); pid == 0 {
			return 0, errors.New("criu restore: no pid for the restored init")
		}
		if err := r.Finish(pid); err != nil {
			return 0, err
		}
	}
	return pid, nil
}

// bindRoot makes the root CRIU restores into: CRIU wants a mount point
// whose parent is not overmounted, and a bind of the rootfs in the state
// directory dir is one.
func bindRoot(dir, rootfs string) (string, func(), error) {
	root := filepath.Join(dir, "criu-root")
	if err := os.Mkdir(root, 0o755); err != nil {
		return "", nil, fmt.Errorf("criu root: %w", err)
	}
	// CRIU compares it with the mount table, which has no symlinks.
	real, err := filepath.EvalSymlinks(root)
	if err == nil {
		err = unix.Mount(rootfs, real, "", unix.MS_BIND|unix.MS_REC, "")
		if err != nil {
			err = fmt.Errorf("bind rootfs to %s: %w", real, err)
		}
	} else {
		err = fmt.Errorf("criu root: %w", err)
	}
	if err != nil {
		os.Remove(root)
		return "", nil, err
	}
	return real, func() {
		unix.Unmount(real, unix.MNT_DETACH)
		os.Remove(root)
	}, nil
}

// restoreNamespaces gives CRIU the namespaces the config joins: a network
// or pid namespace back under the key it was dumped with, the others to
// be joined.
func restoreNamespaces(opts *criurpc.CriuOpts, spec *specs.Spec, extra *[]*os.File) error {
	if spec.Linux == nil {
		return nil
	}
	for _, ns := range spec.Linux.Namespaces {
		if ns.Path == "" {
			continue
		}
		switch ns.Type {
		case specs.NetworkNamespace, specs.PIDNamespace:
			f, err := os.Open(ns.Path)
			if err != nil {
				return fmt.Errorf("%s namespace: %w", ns.Type, err)
			}
			opts.InheritFd = append(opts.InheritFd, &criurpc.InheritFd{
				Key: ptr(extNsKey(ns.Type)), Fd: ptr(int32(firstExtraFd + len(*extra))),
			})
			*extra = append(*extra, f)
		case specs.CgroupNamespace:
			return errors.New("restore into a joined cgroup namespace is not supported (CRIU cannot join one)")
		default:
			opts.JoinNs = append(opts.JoinNs, &criurpc.JoinNamespace{Ns: ptr(criuNsName[ns.Type]), NsFile: ptr(ns.Path)})
		}
	}
	return nil
}

// restoreMounts maps every external mount's name from the dump to its
// source now: the same binds, the new container's cgroup, /dev/null.
func restoreMounts(opts *criurpc.CriuOpts, spec *specs.Spec, r *container.Restoring, bundle string) {
	for _, m := range externalMounts(spec, r.Rootfs(), r.CgroupPaths()) {
		src := m.Source
		if !filepath.IsAbs(src) {
			src = filepath.Join(bundle, src)
		}
		opts.ExtMnt = append(opts.ExtMnt, &criurpc.ExtMountMap{Key: ptr(m.Destination), Val: ptr(src)})
	}
	if spec.Linux != nil && len(spec.Linux.MaskedPaths) > 0 {
		opts.ExtMnt = append(opts.ExtMnt, &criurpc.ExtMountMap{Key: ptr("/dev/null"), Val: ptr("/dev/null")})
	}
}

// createMountpoints makes the mountpoints CRIU will mount onto, as create
// made them: the rootfs may have lost them since (a bind source emptied,
// a fresh copy of the rootfs). A mountpoint under an earlier bind is made
// in that bind's source; one under a tmpfs or another kernel filesystem
// is not needed, CRIU restores those with their contents.
func createMountpoints(spec *specs.Spec, rootPath, bundle string) error {
	type base struct{ dest, dir string }
	binds := []base{{"/", rootPath}}
	var other []string
	under := func(p, d string) bool { return d == "/" || p == d || strings.HasPrefix(p, d+"/") }
	for _, m := range spec.Mounts {
		dest := filepath.Join("/", m.Destination)
		if m.Type == "cgroup" || m.Type == "cgroup2" {
			continue
		}
		// The deepest earlier mount holding dest decides where it is.
		b, depth := binds[0], 0
		for _, c := range binds {
			if under(dest, c.dest) && len(c.dest) > depth {
				b, depth = c, len(c.dest)
			}
		}
		skip := false
		for _, d := range other {
			if under(dest, d) && len(d) > depth {
				skip = true
			}
		}
		src := m.Source
		if !filepath.IsAbs(src) {
			src = filepath.Join(bundle, src)
		}
		isBind := m.Type == "bind"
		for _, opt := range m.Options {
			isBind = isBind || opt == "bind" || opt == "rbind"
		}
		if !skip {
			dir := true
			if isBind {
				if fi, err := os.Stat(src); err == nil && !fi.IsDir() {
					dir = false
				}
			}
			rel := "/" + strings.TrimPrefix(strings.TrimPrefix(dest, b.dest), "/")
			if err := rootfs.CreateMountpoint(b.dir, rel, dir); err != nil {
				return fmt.Errorf("create mountpoint %s: %w", dest, err)
			}
		}
		if isBind {
			if real, err := filepath.EvalSymlinks(src); err == nil {
				binds = append(binds, base{dest, real})
			}
		} else {
			other = append(other, dest)
		}
	}
	return nil
}

// inheritStdio hands CRIU's own stdio to the restored init in place of
// the pipes it had: CRIU cannot recreate the far end of a pipe.
func inheritStdio(opts *criurpc.CriuOpts, imagePath string) error {
	b, err := os.ReadFile(filepath.Join(imagePath, descriptorsFile))
	if err != nil {
		return fmt.Errorf("checkpoint image: %w", err) // names the open and the file
	}
	var fds []string
	if err := json.Unmarshal(b, &fds); err != nil {
		return fmt.Errorf("decode the checkpoint's %s: %w", descriptorsFile, err)
	}
	for i, s := range fds {
		if i < 3 && strings.Contains(s, "pipe:") {
			opts.InheritFd = append(opts.InheritFd, &criurpc.InheritFd{Key: ptr(s), Fd: ptr(int32(i))})
		}
	}
	return nil
}

// cgroupRoots tells CRIU that the dumped cgroups are now the ones pid
// (CRIU, in the container's cgroup) is in.
func cgroupRoots(opts *criurpc.CriuOpts, pid int) error {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		cr := &criurpc.CgroupRoot{Path: ptr(parts[2])}
		if parts[1] != "" {
			cr.Ctrl = ptr(parts[1])
		}
		opts.CgRoot = append(opts.CgRoot, cr)
	}
	return sc.Err()
}

// addTimeNamespace notes in the config that the restored init is in a
// time namespace of its own when CRIU made one (to keep its clocks
// monotonic), so that exec joins it.
func addTimeNamespace(spec *specs.Spec, pid int) {
	if specconv.HasNamespace(spec, specs.TimeNamespace) {
		return
	}
	ours, err1 := os.Readlink("/proc/self/ns/time")
	theirs, err2 := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/time")
	if err1 != nil || err2 != nil || ours == theirs {
		return
	}
	if spec.Linux == nil {
		spec.Linux = &specs.Linux{}
	}
	spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
}
