package container

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/cgroups"
	"github.com/rt-runtime/rt/libct/child"
	"github.com/rt-runtime/rt/libct/kfile"
	"github.com/rt-runtime/rt/libct/validate"
)

// Container is a handle on one container's directory under the root.
type Container struct {
	root  string
	dir   string
	state *State
	lock  *os.File
	parts *stored // see stored
	// destroyed is set once Delete has run its course (or begun it).
	destroyed bool
	// summary: state was read without its cgroup paths (see cgroup).
	summary bool
	// rootFd is list's open root, to read state.json relative to it. The
	// zero value means none (read walks the full path): had list's open
	// returned fd 0, that only costs the walk.
	rootFd int
	// restoreOOM gives rt its oom_score_adj back (see takeOOMScoreAdj)
	// once the init of the container this process created has exec'd.
	restoreOOM func()
	// init is the container's init when this process created it (rt
	// run): start can then read an error the init could not send.
	init *child.Child
}

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
			return nil, notExistError{id}
		}
		return nil, err
	}
	if err := c.read(); err != nil {
		c.Unlock()
		return nil, err
	}
	return c, nil
}

// Reload locks the container c names again, after c.Unlock, and reads its
// state anew: others may have changed or deleted it meanwhile. When the
// state is still that of the container c had (the same init and creation
// time), the config c decoded is kept: a foreground run deletes the
// container it ran without reading and decoding config.json again.
func (c *Container) Reload() (*Container, error) {
	again, err := LoadLocked(c.root, c.state.ID)
	if err != nil {
		return nil, err
	}
	if c.state.Spec != nil && again.state.Pid == c.state.Pid &&
		again.state.InitStartTime == c.state.InitStartTime && again.state.Created.Equal(c.state.Created) {
		again.state.Spec = c.state.Spec
	}
	return again, nil
}

func (c *Container) read() error {
	decode := decodeState
	if c.summary {
		decode = decodeStateSummary
	}
	rootFd := c.rootFd
	if rootFd == 0 {
		rootFd = unix.AT_FDCWD
	}
	st, err := readStateAt(rootFd, c.dir, decode)
	if errors.Is(err, os.ErrNotExist) {
		st, err = c.bareDir()
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return notExistError{filepath.Base(c.dir)}
		}
		return err
	}
	c.state = st
	return nil
}

// bareDir makes sense of a container directory without state.json. Held
// by another command, it is a create that has made nothing else yet or a
// delete about to remove it: the container does not exist (yet, or any
// more). Otherwise, if empty, it is what a create killed right after its
// mkdir left: a stopped container that delete removes (create records
// everything else it makes before making it). A directory with other
// files is another runtime's (runc's exec.fifo before its state.json,
// crun's status).
func (c *Container) bareDir() (*State, error) {
	fi, err := os.Stat(c.dir)
	if err != nil {
		return nil, err
	}
	if c.lock == nil && lockedElsewhere(c.dir) {
		return nil, os.ErrNotExist
	}
	if !onlyStateTemps(c.dir) {
		return nil, foreignDir(c.dir, c.dir+" holds another runtime's files")
	}
	return &State{ID: filepath.Base(c.dir), Status: Creating, Created: fi.ModTime().UTC()}, nil
}

// onlyStateTemps tells whether dir holds nothing but what a killed
// writeFileAtomic of state.json can leave.
func onlyStateTemps(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return false
	}
	for _, n := range names {
		if !strings.HasPrefix(n, "."+stateFile+".tmp") {
			return false
		}
	}
	return true
}

// lockedElsewhere tells whether another command holds the container's
// lock (a flock dies with its holder, so a killed one never does).
func lockedElsewhere(dir string) bool {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB); err != nil {
		return err == unix.EWOULDBLOCK
	}
	return false
}

// Unlock releases the lock taken by LoadLocked or Create.
func (c *Container) Unlock() {
	if c.lock != nil {
		c.lock.Close()
		c.lock = nil
	}
}

func (c *Container) ID() string { return c.state.ID }

// Status observes the container: a dead (or recycled, or zombie) init is
// stopped whatever the file says; a frozen cgroup is paused. A container
// still recorded as creating is being created while its create holds the
// lock; once that create is gone (killed: it would have recorded the end
// otherwise), so is its init, which could not outlive it.
func (c *Container) Status() Status {
	if c.state.Status == Creating {
		if c.lock == nil && lockedElsewhere(c.dir) {
			return Creating
		}
		return Stopped
	}
	if c.state.Status == Created {
		// A start killed after the init's execve never recorded it.
		switch initStage(c.state.Pid, c.state.InitStartTime) {
		case initGone:
			return Stopped
		case initExecd:
			return Running
		}
	} else if !alive(c.state.Pid, c.state.InitStartTime) {
		return Stopped
	}
	// A created container can be paused too (as with runc); reporting it
	// paused keeps start from waiting on a frozen init.
	if c.state.Status == Running || c.state.Status == Created {
		if p, err := c.frozen(); err == nil && p {
			return Paused
		}
	}
	return c.state.Status
}

func (c *Container) cgroup() (cgroups.Manager, error) {
	if err := c.readCgroupPaths(); err != nil {
		return nil, err
	}
	return cgroups.Load(c.state.CgroupPaths)
}

// frozen is the cgroup's freezer state, read without loading its manager.
func (c *Container) frozen() (bool, error) {
	if err := c.readCgroupPaths(); err != nil {
		return false, err
	}
	return cgroups.Frozen(c.state.CgroupPaths)
}

// readCgroupPaths reads the cgroup paths of a container read without them
// (list): one that is alive needs them after all.
func (c *Container) readCgroupPaths() error {
	if !c.summary {
		return nil
	}
	c.summary = false
	st, err := readState(c.dir)
	if err != nil {
		return err
	}
	c.state.CgroupPaths = st.CgroupPaths
	return nil
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

// List returns every container under root, sorted by ID, those being
// created (or left by a killed create) included.
func List(root string) ([]OCIState, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	rootFd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	defer unix.Close(rootFd)
	out := make([]OCIState, 0, len(ents))
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		// Not an rt container (another runtime's, in a root an engine
		// shares), or gone meanwhile: not listed.
		c := &Container{root: root, dir: filepath.Join(root, e.Name()), summary: true, rootFd: rootFd}
		if c.read() != nil {
			continue
		}
		out = append(out, c.State())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

type initStatus int

const (
	initGone initStatus = iota
	initWaiting
	initExecd
)

// initStage tells a created container's init waiting for start from one
// that has exec'd the user's process: rt's init is named rt:[init] (its
// first prctl) until its execve renames it. One read of /proc/PID/stat,
// as alive.
func initStage(pid int, start uint64) initStatus {
	if pid <= 0 {
		return initGone
	}
	b, err := kfile.Read("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return initGone
	}
	// "pid (comm) state ... starttime ...": comm may hold anything, so
	// it ends at the last ')'.
	i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if i < 0 || j < i {
		return initGone
	}
	f := strings.Fields(string(b[j+1:]))
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return initGone
	}
	if s, err := strconv.ParseUint(f[19], 10, 64); err != nil || s != start {
		return initGone
	}
	if string(b[i+1:j]) != initComm {
		return initExecd
	}
	return initWaiting
}

// initComm is the name of rt's init until its execve.
const initComm = child.InitName
