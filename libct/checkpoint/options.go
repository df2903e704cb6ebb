// Package checkpoint dumps a running container with CRIU and restores it
// as a new container, speaking CRIU's RPC protocol to `criu swrk`.
//
// A dump runs CRIU on the container's init, with the container's rootfs
// as root; mounts whose source is outside the container (binds, the cgroup
// binds, masked files) are declared external, and the init's stdio is
// noted in descriptors.json so that pipes can be handed back at restore.
// A restore claims the state directory and cgroup as create does, puts
// CRIU in that cgroup, and lets CRIU rebuild the process tree as a sibling
// of rt, in new namespaces (or the joined ones the config names). CRIU
// calls back while it works: setup-namespaces (prestart and createRuntime
// hooks), orphan-pts-master (the new terminal's master goes to the console
// socket) and post-restore (the pid: state.json is written, the container
// is running).
package checkpoint

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	criurpc "github.com/checkpoint-restore/go-criu/v8/rpc"
	"golang.org/x/sys/unix"
)

// Options are runc's checkpoint and restore flags.
type Options struct {
	ImagePath  string // CRIU's images (default ./checkpoint)
	WorkPath   string // CRIU's logs and work files (default: ImagePath)
	ParentPath string // a pre-dump's images, relative to ImagePath

	LeaveRunning    bool
	TCPEstablished  bool
	TCPSkipInFlight bool
	LinkRemap       bool
	ExtUnixSk       bool
	ShellJob        bool
	FileLocks       bool
	PreDump         bool
	AutoDedup       bool
	LazyPages       bool
	StatusFd        int    // written "\0" when the lazy-pages server is ready; -1 = none
	PageServer      string // ADDRESS:PORT
	// ManageCgroupsMode is soft, full, strict, ignore or "" (CRIU's default).
	ManageCgroupsMode string
	// EmptyNs are namespaces CRIU creates without restoring their
	// contents; the network namespace always is (rt does not manage
	// network devices).
	EmptyNs []string

	LsmProfile      string
	LsmMountContext string
}

// CheckImagePaths applies runc's rules to the image paths of a
// checkpoint: the image directory is created, a parent path must be
// relative to it and name an existing directory.
func (o *Options) CheckImagePaths() error {
	if o.ImagePath == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		o.ImagePath = filepath.Join(wd, "checkpoint")
	}
	if err := o.absPaths(); err != nil {
		return err
	}
	if err := os.MkdirAll(o.ImagePath, 0o700); err != nil {
		return fmt.Errorf("create image path: %w", err)
	}
	if o.ParentPath == "" {
		return nil
	}
	if filepath.IsAbs(o.ParentPath) {
		return errors.New("--parent-path must be relative (to --image-path)")
	}
	p := filepath.Join(o.ImagePath, o.ParentPath)
	fi, err := os.Stat(p)
	if err == nil && !fi.IsDir() {
		err = &os.PathError{Op: "stat", Path: p, Err: unix.ENOTDIR}
	}
	if err != nil {
		return fmt.Errorf("invalid --parent-path: %w", err)
	}
	return nil
}

// absPaths makes the image and work paths absolute, so that messages
// name the log where it is whatever the reader's directory.
func (o *Options) absPaths() error {
	for _, p := range []*string{&o.ImagePath, &o.WorkPath} {
		if *p == "" {
			continue
		}
		a, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = a
	}
	return nil
}

func cgMode(mode string) (criurpc.CriuCgMode, error) {
	switch mode {
	case "":
		return criurpc.CriuCgMode_DEFAULT, nil
	case "soft":
		return criurpc.CriuCgMode_SOFT, nil
	case "full":
		return criurpc.CriuCgMode_FULL, nil
	case "strict":
		return criurpc.CriuCgMode_STRICT, nil
	case "ignore":
		return criurpc.CriuCgMode_IGNORE, nil
	}
	return 0, fmt.Errorf("--manage-cgroups-mode %q: want soft, full, strict or ignore", mode)
}

func emptyNs(names []string) (uint32, error) {
	mask := uint32(unix.CLONE_NEWNET)
	for _, n := range names {
		if n != "network" {
			return 0, fmt.Errorf("--empty-ns %q: only network is supported", n)
		}
	}
	return mask, nil
}

func pageServer(s string) (*criurpc.CriuPageServerInfo, error) {
	if s == "" {
		return nil, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("--page-server %q: want ADDRESS:PORT", s)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("--page-server %q: bad port", s)
	}
	return &criurpc.CriuPageServerInfo{Address: &host, Port: ptr(int32(p))}, nil
}

// prepare makes the paths absolute, opens the image directory (and the
// work directory) and returns the CRIU options a dump and a restore
// share, the directory CRIU writes its log to, and what closes the
// directories.
func (o *Options) prepare(logName string) (_ *criurpc.CriuOpts, logDir string, _ func(), err error) {
	if err := o.absPaths(); err != nil {
		return nil, "", nil, err
	}
	imageDir, err := os.Open(o.ImagePath)
	if err != nil {
		return nil, "", nil, fmt.Errorf("image path: %w", err) // names the open and the path
	}
	dirs := []*os.File{imageDir}
	closeAll := func() {
		for _, d := range dirs {
			d.Close()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	opts, err := o.baseOpts(imageDir, logName)
	if err != nil {
		return nil, "", nil, err
	}
	logDir = o.ImagePath
	if o.WorkPath != "" {
		wd, err := openWorkDir(o.WorkPath)
		if err != nil {
			return nil, "", nil, err
		}
		dirs = append(dirs, wd)
		opts.WorkDirFd = ptr(int32(wd.Fd()))
		logDir = o.WorkPath
	}
	return opts, logDir, closeAll, nil
}

// baseOpts are the CRIU options a dump and a restore share.
func (o *Options) baseOpts(imageDir *os.File, logFile string) (*criurpc.CriuOpts, error) {
	mode, err := cgMode(o.ManageCgroupsMode)
	if err != nil {
		return nil, err
	}
	ns, err := emptyNs(o.EmptyNs)
	if err != nil {
		return nil, err
	}
	return &criurpc.CriuOpts{
		ImagesDirFd:       ptr(int32(imageDir.Fd())),
		LogLevel:          ptr(int32(4)),
		LogFile:           &logFile,
		ManageCgroups:     ptr(true),
		ManageCgroupsMode: &mode,
		NotifyScripts:     ptr(true),
		ShellJob:          ptr(o.ShellJob),
		TcpEstablished:    ptr(o.TCPEstablished),
		ExtUnixSk:         ptr(o.ExtUnixSk),
		FileLocks:         ptr(o.FileLocks),
		EmptyNs:           &ns,
		OrphanPtsMaster:   ptr(true),
		AutoDedup:         ptr(o.AutoDedup),
		LazyPages:         ptr(o.LazyPages),
	}, nil
}

func ptr[T any](v T) *T { return &v }
