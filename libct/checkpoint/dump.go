package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	criurpc "github.com/checkpoint-restore/go-criu/v8/rpc"
	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/cgroups"
	"github.com/rt-runtime/rt/libct/container"
	"github.com/rt-runtime/rt/libct/rootfs"
	"github.com/rt-runtime/rt/libct/specconv"
)

// descriptorsFile holds the init's stdio as /proc/PID/fd shows it
// ("pipe:[123]", "/dev/pts/0"); runc's name and format, so images move
// between the two.
const descriptorsFile = "descriptors.json"

// Dump checkpoints the running (or paused) container c, which the caller
// holds locked, into o.ImagePath. Unless o.LeaveRunning or o.PreDump,
// CRIU kills the container's processes when it is done; deleting the
// container is then the caller's job. o.CheckImagePaths must have passed.
func Dump(c *container.Container, o *Options) error {
	switch st := c.Status(); st {
	case container.Running, container.Paused:
	default:
		return fmt.Errorf("it is %s: only a running container can be checkpointed", st) // the caller names it
	}
	st := c.Saved()
	spec := c.Spec()
	logName := "dump.log"
	opts, logDir, closeDirs, err := o.prepare(logName)
	if err != nil {
		return err
	}
	defer closeDirs()
	opts.Pid = ptr(int32(st.Pid))
	opts.Root = &st.Rootfs
	opts.LeaveRunning = ptr(o.LeaveRunning)
	opts.TcpSkipInFlight = ptr(o.TCPSkipInFlight)
	opts.LinkRemap = ptr(o.LinkRemap)
	configFile(opts, spec)
	if opts.Ps, err = pageServer(o.PageServer); err != nil {
		return err
	}
	if o.ParentPath != "" {
		opts.ParentImg = &o.ParentPath
		opts.TrackMem = ptr(true)
	}
	if o.LazyPages && o.StatusFd >= 0 {
		fl, err := unix.FcntlInt(uintptr(o.StatusFd), unix.F_GETFL, 0)
		if err != nil || fl&unix.O_ACCMODE == unix.O_RDONLY {
			return fmt.Errorf("--status-fd %d: not an fd open for writing", o.StatusFd)
		}
	}
	if o.LazyPages {
		if err := checkLazyPages(); err != nil {
			return err
		}
	}
	// CRIU stops the tasks with the freezer rather than ptrace: nothing
	// in the container can fork away from the dump.
	paths := cgroups.DirPaths(st.CgroupPaths)
	if p, ok := paths["freezer"]; ok {
		opts.FreezeCgroup = &p
	} else if p, ok := paths[""]; ok && cgroups.IsV2() {
		opts.FreezeCgroup = &p
	}
	if err := externalNamespaces(opts, spec); err != nil {
		return err
	}
	t := criurpc.CriuReqType_DUMP
	if o.PreDump {
		t = criurpc.CriuReqType_PRE_DUMP
	} else {
		if err := dumpMounts(opts, spec, &st); err != nil {
			return err
		}
		if err := writeDescriptors(o.ImagePath, st.Pid); err != nil {
			return err
		}
	}
	s, err := startCriu([3]*os.File{}, nil)
	if err != nil {
		return err
	}
	statusFd := -1
	if o.LazyPages {
		statusFd = o.StatusFd
	}
	_, err = s.call(&criurpc.CriuReq{Type: &t, Opts: opts}, func(script string, _ int, _ []int) error {
		if script == "status-ready" && statusFd >= 0 {
			// The lazy-pages server is listening: tell the caller.
			unix.Write(statusFd, []byte{0})
			unix.Close(statusFd)
			statusFd = -1
		}
		return nil
	})
	cerr := s.close(err == nil && !o.PreDump)
	if err == nil {
		err = cerr
	}
	if err != nil {
		return withLog(err, logDir, logName)
	}
	return nil
}

// dumpMounts declares the container's external mounts, each under the
// name restore will look it up by: its path in the container, or
// /dev/null for masked files.
func dumpMounts(opts *criurpc.CriuOpts, spec *specs.Spec, st *container.State) error {
	for _, m := range externalMounts(spec, st.Rootfs, cgroups.DirPaths(st.CgroupPaths)) {
		opts.ExtMnt = append(opts.ExtMnt, &criurpc.ExtMountMap{Key: ptr(m.Destination), Val: ptr(m.Destination)})
	}
	if spec.Linux == nil {
		return nil
	}
	root := "/proc/" + strconv.Itoa(st.Pid) + "/root"
	for _, p := range spec.Linux.MaskedPaths {
		fi, err := os.Stat(filepath.Join(root, p))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return fmt.Errorf("masked path %s: %w", p, err)
		}
		if !fi.IsDir() {
			opts.ExtMnt = append(opts.ExtMnt, &criurpc.ExtMountMap{Key: ptr(p), Val: ptr("/dev/null")})
		}
	}
	return nil
}

// externalMounts are rootfs.ExternalMounts with their destinations as the
// kernel shows them: through the symlinks of the rootfs.
func externalMounts(spec *specs.Spec, rootPath string, cgPaths map[string]string) []rootfs.ExternalMount {
	ro := rootfs.Options{
		CgroupPaths:      cgPaths,
		CgroupMountNames: cgroups.V1MountNames(),
		CgroupV2:         cgroups.IsV2(),
		CgroupNS:         specconv.HasNamespace(spec, specs.CgroupNamespace),
		UserNS:           specconv.HasNamespace(spec, specs.UserNamespace),
	}
	ms := rootfs.ExternalMounts(spec, ro)
	for i := range ms {
		if p, err := securejoin.SecureJoin(rootPath, ms[i].Destination); err == nil {
			ms[i].Destination = strings.TrimPrefix(p, rootPath)
		}
	}
	return ms
}

// writeDescriptors records what the init's stdio is, so restore can
// hand new pipes in place of the old ones.
func writeDescriptors(dir string, pid int) error {
	fds := make([]string, 3)
	for i := range fds {
		l, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.Itoa(i))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("read init's fd %d: %w", i, err)
		}
		fds[i] = l
	}
	b, err := json.Marshal(fds)
	if err != nil {
		return err
	}
	// An error names the open or write and the path.
	return os.WriteFile(filepath.Join(dir, descriptorsFile), b, 0o600)
}

// configFile points CRIU at a configuration file: the one the
// org.criu.config annotation names (none when it is empty), else
// /etc/criu/rt.conf, which CRIU ignores when it does not exist.
func configFile(opts *criurpc.CriuOpts, spec *specs.Spec) {
	f, ok := spec.Annotations["org.criu.config"]
	if !ok {
		f = "/etc/criu/rt.conf"
	}
	if f != "" {
		opts.ConfigFile = &f
	}
}

// externalNamespaces declares the joined network and pid namespaces: not
// the container's to dump, CRIU records each by inode and expects it back
// at restore.
func externalNamespaces(opts *criurpc.CriuOpts, spec *specs.Spec) error {
	if spec.Linux == nil {
		return nil
	}
	for _, ns := range spec.Linux.Namespaces {
		if ns.Path == "" || (ns.Type != specs.NetworkNamespace && ns.Type != specs.PIDNamespace) {
			continue
		}
		var s unix.Stat_t
		if err := unix.Stat(ns.Path, &s); err != nil {
			return fmt.Errorf("%s namespace %s: %w", ns.Type, ns.Path, err)
		}
		opts.External = append(opts.External, fmt.Sprintf("%s[%d]:%s", criuNsName[ns.Type], s.Ino, extNsKey(ns.Type)))
	}
	return nil
}

func openWorkDir(p string) (*os.File, error) {
	if err := os.Mkdir(p, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("create work path: %w", err)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open work path: %w", err)
	}
	return f, nil
}

// criuNsName is CRIU's name of each namespace type.
var criuNsName = map[specs.LinuxNamespaceType]string{
	specs.NetworkNamespace: "net", specs.PIDNamespace: "pid", specs.IPCNamespace: "ipc",
	specs.UTSNamespace: "uts", specs.MountNamespace: "mnt", specs.UserNamespace: "user",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

// extNsKey is the key an external namespace is recorded under: runc's
// ("extRootNetNS"), so that images stay interchangeable.
func extNsKey(t specs.LinuxNamespaceType) string {
	n := criuNsName[t]
	return "extRoot" + strings.ToUpper(n[:1]) + n[1:] + "NS"
}
