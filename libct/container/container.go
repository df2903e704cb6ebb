package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/cgroups"
	"github.com/rt-runtime/rt/libct/validate"
)

// Container is a handle on one container's directory under the root.
type Container struct {
	root  string
	dir   string
	state *State
	lock  *os.File
	parts *stored // see stored
}

var errNotRunning = errors.New("container is not running")

// Load opens an existing container. It does not lock.
func Load(root, id string) (*Container, error) {
	if err := validate.ID(id); err != nil {
		return nil, err
	}
	c := &Container{root: root, dir: filepath.Join(root, id)}
	return c, c.read()
}

// LoadLocked opens a container and holds its lock until Unlock. The state
// is read once, under the lock, so it is the state no other command is
// changing.
func LoadLocked(root, id string) (*Container, error) {
	if err := validate.ID(id); err != nil {
		return nil, err
	}
	c := &Container{root: root, dir: filepath.Join(root, id)}
	var err error
	if c.lock, err = lockDir(c.dir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("container %q does not exist", id)
		}
		return nil, err
	}
	if err := c.read(); err != nil {
		c.Unlock()
		return nil, err
	}
	return c, nil
}

func (c *Container) read() error {
	st, err := readState(c.dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("container %q does not exist", filepath.Base(c.dir))
		}
		return err
	}
	c.state = st
	return nil
}

// Unlock releases the lock taken by LoadLocked or Create.
func (c *Container) Unlock() {
	if c.lock != nil {
		c.lock.Close()
		c.lock = nil
	}
}

func (c *Container) ID() string { return c.state.ID }
func (c *Container) Pid() int   { return c.state.Pid }

// Status observes the container: a dead (or recycled, or zombie) init is
// stopped whatever the file says; a frozen cgroup is paused.
func (c *Container) Status() Status {
	if !alive(c.state.Pid, c.state.InitStartTime) {
		return Stopped
	}
	// A created container can be paused too (as with runc); reporting it
	// paused keeps start from waiting on a frozen init.
	if c.state.Status == Running || c.state.Status == Created {
		if m, err := c.cgroup(); err == nil {
			if p, err := m.State(); err == nil && p {
				return Paused
			}
		}
	}
	return c.state.Status
}

func (c *Container) cgroup() (cgroups.Manager, error) {
	return cgroups.Load(c.state.CgroupPaths)
}

// OCIState is the runtime-spec state plus runc's extra fields, the shape
// `rt state` prints.
type OCIState struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      Status            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// State returns the container's observed state.
func (c *Container) State() OCIState {
	s := c.state
	st := c.Status()
	pid := s.Pid
	if st == Stopped {
		pid = 0
	}
	return OCIState{
		OCIVersion: s.OCIVersion, ID: s.ID, Pid: pid, Status: st, Bundle: s.Bundle,
		Rootfs: s.Rootfs, Created: s.Created, Owner: s.Owner, Annotations: s.Annotations,
	}
}

// specState is the state handed to hooks.
func (c *Container) specState(st Status) *specs.State {
	s := c.state
	return &specs.State{
		Version: specs.Version, ID: s.ID, Status: specs.ContainerState(st),
		Pid: s.Pid, Bundle: s.Bundle, Annotations: s.Annotations,
	}
}

// List returns every fully created container under root, sorted by ID. A
// directory without state.json is a create in progress (or its debris) and
// is left out.
func List(root string) ([]OCIState, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	out := make([]OCIState, 0, len(ents))
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := filepath.Join(root, e.Name())
		st, err := readState(dir)
		if err != nil {
			continue
		}
		c := &Container{root: root, dir: dir, state: st}
		out = append(out, c.State())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
