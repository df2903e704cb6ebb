// Package container is rt's lifecycle library: it creates, starts, signals
// and deletes containers and keeps their state under the runtime root, one
// directory per container holding state.json (written atomically) and the
// start socket.
package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
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
	// Spec is config.json as it was at create (hooks, defaults for exec,
	// resources for update): the bundle may change afterwards. It lives in
	// its own file, read only by the commands that need it, so state,
	// list and kill do not decode a whole config.
	Spec *specs.Spec `json:"-"`
}

// writeFileAtomic writes data to a temp file in the same directory and
// renames it over path, so readers see the old or the new file, never half.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		// The temp file's name says nothing the caller needs.
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == tmp {
			err = pe.Err
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
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
	b, err := json.Marshal(c.state.Spec)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(c.dir, specFile), b, 0o600)
}

// saveStatus rewrites state.json only.
func (c *Container) saveStatus() error {
	b, err := json.Marshal(c.state)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(c.dir, stateFile), b, 0o600)
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
// namespaces, seccomp rules and personality. Commands after create decode
// only the parts they use: a whole specs.Spec costs about 1.2 ms in a
// fresh process, because encoding/json builds its codecs for every type
// the runtime-spec reaches, whether or not the document uses it.
type stored struct {
	Process *specs.Process `json:"process,omitempty"`
	Linux   struct {
		Namespaces   []specs.LinuxNamespace   `json:"namespaces,omitempty"`
		Seccomp      *specs.LinuxSeccomp      `json:"seccomp,omitempty"`
		Personality  *specs.LinuxPersonality  `json:"personality,omitempty"`
		MemoryPolicy *specs.LinuxMemoryPolicy `json:"memoryPolicy,omitempty"`
	} `json:"linux"`
}

// stored returns those parts, from the spec when this process has it and
// from config.json otherwise.
func (c *Container) stored() *stored {
	if c.parts != nil {
		return c.parts
	}
	p := &stored{}
	if s := c.state.Spec; s != nil {
		p.Process = s.Process
		if s.Linux != nil {
			p.Linux.Namespaces, p.Linux.Seccomp, p.Linux.Personality = s.Linux.Namespaces, s.Linux.Seccomp, s.Linux.Personality
			p.Linux.MemoryPolicy = s.Linux.MemoryPolicy
		}
	} else {
		c.readConfig(p)
	}
	c.parts = p
	return p
}

// hooks returns the container's hooks (start and delete need nothing
// else of the config).
func (c *Container) hooks() *specs.Hooks {
	if s := c.state.Spec; s != nil {
		return s.Hooks
	}
	var v struct {
		Hooks *specs.Hooks `json:"hooks"`
	}
	c.readConfig(&v)
	return v.Hooks
}

// readConfig decodes the stored config.json into v. Like Spec, it only
// warns when the config cannot be read, so that the container can still
// be killed and deleted.
func (c *Container) readConfig(v any) {
	b, err := os.ReadFile(filepath.Join(c.dir, specFile))
	if err == nil {
		err = json.Unmarshal(b, v)
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

func readState(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
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

// lockDir takes an exclusive flock on the container directory: every
// command that changes a container holds it, so two of them never interleave.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return f, nil
}

// ErrNotExist is returned for an unknown container ID.
var ErrNotExist = errors.New("container does not exist")
