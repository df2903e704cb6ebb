// Package container is rt's lifecycle library: it creates, starts, signals
// and deletes containers and keeps their state under the runtime root, one
// directory per container holding state.json (written atomically) and the
// start socket.
package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/kfile"
	"github.com/rt-runtime/rt/libct/specjson"
)

// Status is the runtime-spec state machine (plus paused).
type Status string

const (
	Creating Status = "creating"
	Created  Status = "created"
	Running  Status = "running"
	Paused   Status = "paused"
	Stopped  Status = "stopped"
)

const (
	stateFile = "state.json"
	specFile  = "config.json"
	startSock = "start.sock"
)

// State is what rt persists about a container.
type State struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      Status            `json:"status"` // created or running: stopped and paused are observed, not stored
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// InitStartTime is field 22 of /proc/PID/stat: with Pid it names the
	// init process, so a recycled PID is not mistaken for it.
	InitStartTime uint64            `json:"initStartTime"`
	CgroupPaths   map[string]string `json:"cgroupPaths,omitempty"`
	// NoNewKeyring: created with --no-new-keyring, so exec'd processes
	// keep their caller's session keyring too.
	NoNewKeyring bool `json:"noNewKeyring,omitempty"`
	// NoHooks: config.json has no hook at all, so start and delete need
	// not read and decode it for their poststart and poststop hooks.
	// Absent (a record written before it existed) means "look".
	NoHooks bool `json:"noHooks,omitempty"`
	// Spec is config.json as it was at create (hooks, defaults for exec,
	// resources for update): the bundle may change afterwards. It lives in
	// its own file, read only by the commands that need it, so state,
	// list and kill do not decode a whole config.
	Spec *specs.Spec `json:"-"`
	// specJSON is Spec as config.json had it, when this process read it:
	// written as it is, there is no encoder to build.
	specJSON []byte
}

// writeFileAtomic writes data to a temp file in the same directory and
// renames it over path, so readers see the old or the new file, never half.
// Plain system calls: os.CreateTemp's file would be tried on the netpoller
// (five calls more for each of the three writes of a create).
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, fd, err := createTemp(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	for b := data; len(b) > 0 && err == nil; {
		var n int
		n, err = unix.Write(fd, b)
		if err == unix.EINTR {
			err = nil
		}
		b = b[max(n, 0):]
	}
	// Created 0600; the mode is set after, as the umask would bend it.
	if err == nil && mode != 0o600 {
		err = unix.Fchmod(fd, uint32(mode.Perm()))
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err == nil {
		err = unix.Rename(tmp, path)
	}
	if err != nil {
		unix.Unlink(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// tmpSeq tells apart the temp files of one process.
var tmpSeq atomic.Uint32

// createTemp makes a new file beside path, named after it, this process
// and a sequence number; O_EXCL refuses one left by a crashed process of
// the same pid, and the next number is tried.
func createTemp(path string) (string, int, error) {
	prefix := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp"+strconv.Itoa(os.Getpid())+"-")
	for {
		tmp := prefix + strconv.FormatUint(uint64(tmpSeq.Add(1)), 10)
		fd, err := unix.Open(tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
		if err != unix.EEXIST {
			return tmp, fd, err
		}
	}
}

// saveState writes the config (when this process holds it) and then the
// state.
func (c *Container) saveState() error {
	if err := c.saveConfig(); err != nil {
		return err
	}
	return c.saveStatus()
}

// saveConfig writes config.json when this process holds the spec.
func (c *Container) saveConfig() error {
	if c.state.Spec == nil {
		return nil
	}
	b := c.state.specJSON
	if b == nil {
		var err error
		if b, err = json.Marshal(c.state.Spec); err != nil {
			return err
		}
	}
	return writeFileAtomic(filepath.Join(c.dir, specFile), b, 0o600)
}

// saveStatus rewrites state.json only.
func (c *Container) saveStatus() error {
	return writeFileAtomic(filepath.Join(c.dir, stateFile), c.state.marshal(), 0o600)
}

// Spec returns the container's config as it was at create, reading it on
// first use. A container without a readable config gets an empty one, so
// that it can still be killed and deleted.
func (c *Container) Spec() *specs.Spec {
	if c.state.Spec == nil {
		var s specs.Spec
		c.readConfig(&s)
		c.state.Spec = &s
	}
	return c.state.Spec
}

// stored is the part of config.json that exec reads: the process,
// namespaces, seccomp rules and personality.
type stored struct {
	Process *specs.Process
	Linux   struct {
		Namespaces   []specs.LinuxNamespace
		Seccomp      *specs.LinuxSeccomp
		Personality  *specs.LinuxPersonality
		MemoryPolicy *specs.LinuxMemoryPolicy
	}
}

// stored returns those parts of the config.
func (c *Container) stored() *stored {
	if c.parts != nil {
		return c.parts
	}
	p := &stored{}
	s := c.Spec()
	p.Process = s.Process
	if s.Linux != nil {
		p.Linux.Namespaces, p.Linux.Seccomp, p.Linux.Personality = s.Linux.Namespaces, s.Linux.Seccomp, s.Linux.Personality
		p.Linux.MemoryPolicy = s.Linux.MemoryPolicy
	}
	c.parts = p
	return p
}

// hooks returns the container's hooks.
func (c *Container) hooks() *specs.Hooks {
	if c.state.NoHooks && c.state.Spec == nil {
		return nil
	}
	return c.Spec().Hooks
}

// noHooks tells whether h holds no hook of any kind.
func noHooks(h *specs.Hooks) bool {
	//lint:ignore SA1019 prestart is deprecated but still runs
	return h == nil || len(h.Prestart)+len(h.CreateRuntime)+len(h.CreateContainer)+
		len(h.StartContainer)+len(h.Poststart)+len(h.Poststop) == 0
}

// readConfig decodes the stored config.json into s. Like Spec, it only
// warns when the config cannot be read, so that the container can still
// be killed and deleted.
func (c *Container) readConfig(s *specs.Spec) {
	p := filepath.Join(c.dir, specFile)
	b, err := kfile.ReadRegularAt(unix.AT_FDCWD, p, p)
	if err == nil {
		err = specjson.Spec(b, s)
	} else if errors.Is(err, os.ErrNotExist) {
		// Only a killed command leaves no config: a create before it
		// wrote it (no hook had run yet), or a delete after it removed
		// it (the poststop hooks had run).
		return
	}
	if err != nil {
		slog.Warn("read container config", "id", c.state.ID, "err", err)
	}
}

// ProcessSpec is the container's process as config.json gave it.
func (c *Container) ProcessSpec() *specs.Process { return c.stored().Process }

func readState(dir string) (*State, error) { return readStateOf(dir, decodeState) }

// readStateOf reads state.json with decode (decodeState, or list's
// decodeStateSummary).
func readStateOf(dir string, decode func([]byte, *State) error) (*State, error) {
	return readStateAt(unix.AT_FDCWD, dir, decode)
}

// readStateAt is readStateOf with dir's parent open as rootFd (list's).
func readStateAt(rootFd int, dir string, decode func([]byte, *State) error) (*State, error) {
	// Plain syscalls: list reads a thousand of these.
	name := filepath.Join(dir, stateFile)
	if rootFd != unix.AT_FDCWD {
		name = filepath.Join(filepath.Base(dir), stateFile)
	}
	b, err := kfile.ReadRegularAt(rootFd, name, filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var s State
	if err := decode(b, &s); err != nil {
		return nil, fmt.Errorf("decode %s: %w", filepath.Join(dir, stateFile), err)
	}
	// Engines give runc, rt and others one root: runc keeps a state.json
	// too (with the same id, but no status or ociVersion), youki one with
	// oci_version. rt's always holds both, and a status it stores.
	if s.OCIVersion == "" || (s.Status != Creating && s.Status != Created && s.Status != Running) {
		return nil, foreignDir(dir, filepath.Join(dir, stateFile)+" is another runtime's, or damaged")
	}
	// Every command relies on these; a damaged or hand-edited file must
	// be an error, not a nil dereference or another container's name.
	if s.ID != filepath.Base(dir) {
		return nil, fmt.Errorf("%s is damaged (not this container's)", filepath.Join(dir, stateFile))
	}
	return &s, nil
}

// errForeign marks a directory under the root that is not an rt container.
var errForeign = errors.New("not an rt container")

func foreignDir(dir, why string) error {
	return fmt.Errorf("container %q: %w (%s)", filepath.Base(dir), errForeign, why)
}

// notExistError is ErrNotExist naming the container.
type notExistError struct{ id string }

func (e notExistError) Error() string        { return fmt.Sprintf("container %q does not exist", e.id) }
func (e notExistError) Is(target error) bool { return target == ErrNotExist }

// lockDir takes an exclusive flock on the container directory: every
// command that changes a container holds it, so two of them never interleave.
func lockDir(dir string) (*os.File, error) {
	// Not os.OpenFile: it would try the directory on the netpoller (set
	// non-blocking, register, be refused, set blocking again), six system
	// calls and the poller's own set-up for an fd that is only locked.
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return os.NewFile(uintptr(fd), dir), nil
}

// ErrNotExist is returned for an unknown container ID.
var ErrNotExist = errors.New("container does not exist")

// marshal is json.Marshal(s), written field by field (see
// specjson.AppendString); TestStateJSON holds them to the same bytes.
func (s *State) marshal() []byte {
	f := specjson.Fields{B: make([]byte, 0, 512)}
	s.ociFields(&f)
	f.Uint("initStartTime", s.InitStartTime)
	if len(s.CgroupPaths) > 0 {
		f.Map("cgroupPaths", s.CgroupPaths)
	}
	if s.NoNewKeyring {
		f.Raw("noNewKeyring", []byte("true"))
	}
	if s.NoHooks {
		f.Raw("noHooks", []byte("true"))
	}
	return f.End()
}

// Marshal is json.Marshal(s), as State.marshal.
func (s OCIState) Marshal() []byte {
	f := specjson.Fields{B: make([]byte, 0, 256)}
	st := State{OCIVersion: s.OCIVersion, ID: s.ID, Pid: s.Pid, Status: s.Status, Bundle: s.Bundle,
		Rootfs: s.Rootfs, Created: s.Created, Owner: s.Owner, Annotations: s.Annotations}
	st.ociFields(&f)
	return f.End()
}

// ociFields writes the members State shares with OCIState, in order.
func (s *State) ociFields(f *specjson.Fields) {
	f.Str("ociVersion", s.OCIVersion)
	f.Str("id", s.ID)
	f.Int("pid", int64(s.Pid))
	f.Str("status", string(s.Status))
	f.Str("bundle", s.Bundle)
	f.Str("rootfs", s.Rootfs)
	created, _ := s.Created.MarshalJSON()
	f.Raw("created", created)
	f.Str("owner", s.Owner)
	if len(s.Annotations) > 0 {
		f.Map("annotations", s.Annotations)
	}
}
