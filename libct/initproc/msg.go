// Package initproc is the code that runs inside a new container (or an exec
// into one) after the parent runtime has cloned it: it receives a Config over
// the sync socket, builds the container's world, reports back with typed
// messages and finally execs the user's process.
package initproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Environment variables that switch the rt binary into init mode. The
// parent sets them; the C constructor in libct/nsenter reads _RT_INIT,
// _RT_SETNS and _RT_UNSHARE before Go starts.
const (
	EnvInit   = "_RT_INIT"   // "create" or "exec"
	EnvSyncFd = "_RT_SYNCFD" // the sync socket (seqpacket)
	EnvCfgFd  = "_RT_CFGFD"  // a pipe carrying the Config JSON, read to EOF
	EnvSetns  = "_RT_SETNS"
	EnvUnshr  = "_RT_UNSHARE"
	EnvTimens = "_RT_TIMENS" // timens_offsets lines for a new time namespace
)

// Config is everything the init needs, sent as the first message.
type Config struct {
	ID        string         `json:"id"`
	Bundle    string         `json:"bundle"`
	Rootfs    string         `json:"rootfs"`              // absolute host path (create only)
	Container *Container     `json:"container,omitempty"` // create only
	Process   *specs.Process `json:"process"`

	NoPivot      bool `json:"noPivot,omitempty"`
	NoNewKeyring bool `json:"noNewKeyring,omitempty"`
	// SELinux: the host enforces or logs SELinux labels. The parent
	// decides, in the host's mount namespace: inside the container's,
	// where no selinuxfs is mounted, go-selinux would find it off.
	SELinux bool `json:"selinux,omitempty"`
	// ExtraFds is how many fds starting at 3 the user's process keeps
	// (LISTEN_FDS plus --preserve-fds); everything above is closed at exec.
	ExtraFds  int  `json:"extraFds,omitempty"`
	ListenFds int  `json:"listenFds,omitempty"`
	UserNS    bool `json:"userns,omitempty"`
	// NewCgroupNS asks the init to unshare a cgroup namespace once the
	// parent has put it in its cgroup.
	NewCgroupNS bool              `json:"newCgroupns,omitempty"`
	CgroupPaths map[string]string `json:"cgroupPaths,omitempty"`
	CgroupV2    bool              `json:"cgroupV2,omitempty"`
	// Fds the parent passed, by number in the child (-1: none).
	StartFd   int `json:"startFd"`
	ConsoleFd int `json:"consoleFd"`
	// Seccomp is the compiled filter (libct/seccomp Program bytes).
	Seccomp []byte `json:"seccomp,omitempty"`
	// Personality is linux.personality, applied to exec'd processes too.
	Personality *specs.LinuxPersonality `json:"personality,omitempty"`
	// MemoryPolicy is linux.memoryPolicy, applied to exec'd processes too.
	MemoryPolicy *specs.LinuxMemoryPolicy `json:"memoryPolicy,omitempty"`
	// Hooks that the init itself runs (createContainer, startContainer).
	Hooks *specs.Hooks `json:"hooks,omitempty"`
	// State is the container state handed to hooks run by the init.
	State *specs.State `json:"state,omitempty"`
	// HookEnv is the environment of the rt command, for the
	// createContainer hooks without one of their own (the init clears its
	// own environment first thing).
	HookEnv []string `json:"hookEnv,omitempty"`
}

// Message types on the sync socket.
const (
	MsgHooks   = "hooks"   // child -> parent: run prestart/createRuntime now
	MsgCgroup  = "cgroup"  // child -> parent: config read, put me in my cgroup now
	MsgReady   = "ready"   // child -> parent: setup done, waiting
	MsgOK      = "ok"      // parent -> child: go on
	MsgError   = "error"   // either way: Msg says what failed
	MsgStart   = "start"   // `rt start` -> child over the start socket
	MsgSeccomp = "seccomp" // child -> parent: the notify listener fd follows (SCM_RIGHTS)
	MsgPid     = "pid"     // nsenter constructor -> parent: Pid is the init it forked
	// MsgMountFd child -> parent: an fd for mounts[Index], the detached
	// idmapped mount or the plain bind source the init cannot open; it
	// comes back with "ok".
	MsgMountFd = "mountfd"
)

// Message is one record on a SOCK_SEQPACKET socket: a JSON body, and for
// some types fds in SCM_RIGHTS.
type Message struct {
	Type string `json:"type"`
	Msg  string `json:"msg,omitempty"`
	Pid  int    `json:"pid,omitempty"`
	// Index is the spec mount a MsgMountFd asks for.
	Index int `json:"index,omitempty"`
}

// ErrClosed means the peer closed the socket without a message: for the
// start socket that is the success signal (the fd is close-on-exec).
var ErrClosed = errors.New("peer closed the connection")

// Conn is a seqpacket socket carrying Messages.
type Conn struct {
	f  *os.File
	rc syscall.RawConn // set when f is non-blocking and polled (NewPollConn)
}

func NewConn(f *os.File) *Conn { return &Conn{f: f} }

// NewPollConn makes a Conn of fd that waits through the Go netpoller, for
// the parent's side. Its waits for the init are long (the init's runtime
// start, its mounts, the user's exec): parked on the poller, the goroutine
// leaves its P idle, whereas a blocking recvmsg keeps the P in a syscall
// and the runtime's sysmon thread then wakes every 20 µs to look at it
// (about a tenth of the wait, in CPU, on this kind of VM).
func NewPollConn(fd int, name string) (*Conn, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Conn{f: f, rc: rc}, nil
}

// io runs op on the socket: directly on a blocking Conn, and on a polled
// one again each time the socket becomes ready until op stops seeing
// EAGAIN.
func (c *Conn) io(read bool, op func(fd int) error) error {
	if c.rc == nil {
		return op(int(c.f.Fd()))
	}
	var err error
	wait := func(fd uintptr) bool {
		err = op(int(fd))
		return err != unix.EAGAIN
	}
	var rerr error
	if read {
		rerr = c.rc.Read(wait)
	} else {
		rerr = c.rc.Write(wait)
	}
	if rerr != nil {
		return rerr
	}
	return err
}

func (c *Conn) Close() error { return c.f.Close() }

// Send writes one message with optional fds.
func (c *Conn) Send(m Message, fds ...int) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if err := c.io(false, func(fd int) error { return unix.Sendmsg(fd, b, oob, nil, 0) }); err != nil {
		return fmt.Errorf("send %s message: %w", m.Type, err)
	}
	return nil
}

// Recv reads the next message. An error message from the peer becomes a Go
// error carrying the peer's text.
func (c *Conn) Recv() (Message, []int, error) {
	var m Message
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*4))
	var n, oobn int
	var err error
	for {
		err = c.io(true, func(fd int) error {
			var rerr error
			n, oobn, _, _, rerr = unix.Recvmsg(fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
			return rerr
		})
		if err != unix.EINTR {
			break
		}
	}
	// A peer that went away with a message of ours still unread resets
	// the connection rather than closing it: the same end either way.
	if n == 0 || err == unix.ECONNRESET {
		return m, nil, ErrClosed
	}
	if err != nil {
		return m, nil, fmt.Errorf("read sync message: %w", err)
	}
	var fds []int
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err == nil {
			for _, cm := range msgs {
				if r, err := unix.ParseUnixRights(&cm); err == nil {
					fds = append(fds, r...)
				}
			}
		}
	}
	if err := json.Unmarshal(buf[:n], &m); err != nil {
		return m, fds, fmt.Errorf("decode sync message: %w", err)
	}
	if m.Type == MsgError {
		return m, fds, errors.New(m.Msg)
	}
	return m, fds, nil
}

// Expect reads the next message and checks its type.
func (c *Conn) Expect(typ string) (Message, []int, error) {
	m, fds, err := c.Recv()
	if err != nil {
		return m, fds, err
	}
	if m.Type != typ {
		return m, fds, fmt.Errorf("sync: expected %q message, got %q", typ, m.Type)
	}
	return m, fds, nil
}

// fdFromEnv returns the fd number in an env var, or -1.
func fdFromEnv(name string) int {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil || n < 0 {
		return -1
	}
	return n
}
