package child

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// The sync socket between rt and its child (and the start socket between
// `rt start` and a created container's init) is a SOCK_SEQPACKET socket:
// one read is one message. A message is a fixed header, then Kind's
// payload (a text, a path list, a state document), and for some kinds fds
// in SCM_RIGHTS. This file is the protocol's single definition: the
// parent's Conn and the child's sendMsg/recvMsg both read it.

// Kind is a message's type.
type Kind uint32

const (
	// KindError either way: the sender failed. Step is the failed
	// step's index (or -1), Errno the error number (0 when the text says
	// it all), the payload the text ("mount proc on /proc").
	KindError Kind = iota + 1
	// KindOK parent -> child: go on. May carry fds and a payload.
	KindOK
	// KindReady child -> parent: set up, waiting for the next word.
	KindReady
	// KindCgroup child -> parent: in my namespaces, move me into my
	// cgroup (and my network devices into my namespace) now.
	KindCgroup
	// KindHooks child -> parent: run the prestart and createRuntime
	// hooks now.
	KindHooks
	// KindMountFd child -> parent: Arg is the index of the config's
	// mount whose detached (idmapped) mount or bind source the parent
	// must open; the fd comes back with KindOK.
	KindMountFd
	// KindIDMap child -> parent: write my user namespace's id maps.
	KindIDMap
	// KindPid child -> parent: Arg is the pid of the init forked into a
	// new pid namespace; the sender exits.
	KindPid
	// KindSeccomp child -> parent: the seccomp notify listener (fd) for
	// the agent; answered with KindOK.
	KindSeccomp
	// KindStart `rt start` -> init: exec the user's process.
	KindStart
	// KindMounts child -> parent: which host procfs and sysfs mounts must
	// go before a --no-pivot chroot; the answer's payload is their mount
	// points, NUL-terminated.
	KindMounts
	// KindHookError child -> peer: a hook failed. Step is the hook kind
	// (HookCreateContainer, HookStartContainer), Arg the hook's index
	// (bit 32: it timed out), Errno its wait status, the payload the
	// first 64 KiB of its stderr.
	KindHookError
)

// Hook kinds of KindHookError.
const (
	HookCreateContainer = 1
	HookStartContainer  = 2
)

var kindNames = [...]string{
	KindError: "error", KindOK: "ok", KindReady: "ready", KindCgroup: "cgroup",
	KindHooks: "hooks", KindMountFd: "mountfd", KindIDMap: "idmap", KindPid: "pid",
	KindSeccomp: "seccomp", KindStart: "start", KindMounts: "mounts", KindHookError: "hookerror",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", uint32(k))
}

// header is the start of every message, in the host's byte order: Kind
// at offKind, Errno at offErrno, Step at offStep, 4 bytes of padding, Arg
// at offArg. The child's sendMsg and recvMsg write and read it through
// the same offsets.
type header struct {
	Kind  Kind
	Errno uint32
	Step  int32
	Arg   int64
}

const (
	offKind    = 0
	offErrno   = 4
	offStep    = 8
	offArg     = 16
	headerSize = 24
	maxMsg     = 64 << 10
	maxFds     = 4
	pathMax    = 4096
)

// The SCM_RIGHTS control message on 64-bit: a 16-byte cmsghdr (length,
// level, type), then the fds.
const (
	cmsgHdrLen   = 16
	cmsgSpace1   = cmsgHdrLen + 8        // CMSG_SPACE(4): one fd
	cmsgSpaceFds = cmsgHdrLen + 4*maxFds // CMSG_SPACE(4*maxFds)
)

// Msg is a decoded message.
type Msg struct {
	Kind  Kind
	Arg   int64
	Data  []byte
	Step  int32  // KindHookError: the hook kind
	Errno uint32 // KindHookError: the wait status
}

// Error is a failure reported over the socket: Text names what failed, in
// the failing step's words, and Errno (when set) why.
type Error struct {
	Text  string
	Errno syscall.Errno
	Step  int
}

func (e *Error) Error() string {
	if e.Errno == 0 {
		return e.Text
	}
	return e.Text + ": " + e.Errno.Error()
}

func (e *Error) Unwrap() error {
	if e.Errno == 0 {
		return nil
	}
	return e.Errno
}

// ErrClosed is a peer that closed the socket without a word: for the start
// socket that is the success signal (the fd is close-on-exec).
var ErrClosed = errors.New("peer closed the connection")

// Conn is the Go side of a sync or start socket.
type Conn struct {
	f  *os.File
	rc syscall.RawConn // set when f is non-blocking and polled
	// rbuf is Recv's buffer, made once: a message fits in maxMsg, and
	// its payload is copied out.
	rbuf []byte
}

// NewPollConn makes a Conn of fd that waits through the Go netpoller:
// parked there, a goroutine leaves its P idle, where a blocking recvmsg
// keeps the P in a syscall and the runtime's sysmon thread wakes every
// 20 µs to look at it.
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

func (c *Conn) Close() error { return c.f.Close() }

// File is the socket.
func (c *Conn) File() *os.File { return c.f }

func (c *Conn) io(read bool, op func(fd int) error) error {
	if c.rc == nil {
		for {
			err := op(int(c.f.Fd()))
			if err != unix.EINTR {
				return err
			}
		}
	}
	var err error
	wait := func(fd uintptr) bool {
		err = op(int(fd))
		return err != unix.EAGAIN && err != unix.EINTR
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

func encode(h header, data []byte) []byte {
	b := make([]byte, headerSize+len(data))
	binary.NativeEndian.PutUint32(b[offKind:], uint32(h.Kind))
	binary.NativeEndian.PutUint32(b[offErrno:], h.Errno)
	binary.NativeEndian.PutUint32(b[offStep:], uint32(h.Step))
	binary.NativeEndian.PutUint64(b[offArg:], uint64(h.Arg))
	copy(b[headerSize:], data)
	return b
}

// Send writes one message with optional fds.
func (c *Conn) Send(m Msg, fds ...int) error {
	if len(m.Data) > maxMsg-headerSize {
		return fmt.Errorf("send %s message: %d bytes is too long", m.Kind, len(m.Data))
	}
	b := encode(header{Kind: m.Kind, Arg: m.Arg}, m.Data)
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if err := c.io(false, func(fd int) error { return unix.Sendmsg(fd, b, oob, nil, 0) }); err != nil {
		return fmt.Errorf("send %s message: %w", m.Kind, err)
	}
	return nil
}

// SendError reports err to the peer, whose only answer is to exit: its
// text is what the parent reports itself, so the message carries no errno
// and no step.
func (c *Conn) SendError(err error) error {
	b := encode(header{Kind: KindError, Step: -1}, []byte(err.Error()))
	return c.io(false, func(fd int) error { return unix.Sendmsg(fd, b, nil, nil, 0) })
}

// Recv reads the next message. An error message becomes an *Error.
func (c *Conn) Recv() (Msg, []int, error) {
	if c.rbuf == nil {
		c.rbuf = make([]byte, maxMsg+cmsgSpaceFds)
	}
	buf, oob := c.rbuf[:maxMsg], c.rbuf[maxMsg:]
	var n, oobn int
	err := c.io(true, func(fd int) error {
		var rerr error
		n, oobn, _, _, rerr = unix.Recvmsg(fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
		return rerr
	})
	// A peer that went away with a message of ours unread resets the
	// connection rather than closing it: the same end either way.
	if err == nil && n == 0 || err == unix.ECONNRESET {
		return Msg{}, nil, ErrClosed
	}
	if err != nil {
		return Msg{}, nil, fmt.Errorf("read sync message: %w", err)
	}
	var fds []int
	if oobn > 0 {
		if cms, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, cm := range cms {
				if r, err := unix.ParseUnixRights(&cm); err == nil {
					fds = append(fds, r...)
				}
			}
		}
	}
	if n < headerSize {
		closeFds(fds)
		return Msg{}, nil, fmt.Errorf("read sync message: %d bytes is too short", n)
	}
	m := decodeMsg(buf[:n])
	if m.Kind == KindError {
		closeFds(fds)
		return m, nil, m.error()
	}
	return m, fds, nil
}

// decodeMsg reads a message of at least headerSize bytes.
func decodeMsg(buf []byte) Msg {
	return Msg{
		Kind:  Kind(binary.NativeEndian.Uint32(buf[offKind:])),
		Errno: binary.NativeEndian.Uint32(buf[offErrno:]),
		Step:  int32(binary.NativeEndian.Uint32(buf[offStep:])),
		Arg:   int64(binary.NativeEndian.Uint64(buf[offArg:])),
		Data:  bytes.Clone(buf[headerSize:]),
	}
}

// error is an error message's *Error.
func (m Msg) error() error {
	return &Error{Text: string(m.Data), Errno: syscall.Errno(m.Errno), Step: int(m.Step)}
}

// unsentError is the error a child that is gone could not send (see
// state.unsentLen), nil if there is none or the child had a copy of the
// memory (then the parent never sees what it wrote).
func (p *Program) unsentError() error {
	n := p.st.unsentLen
	if n < headerSize || n > len(p.st.out) {
		return nil
	}
	if m := decodeMsg(p.st.out[:n]); m.Kind == KindError {
		return m.error()
	}
	return nil
}

// Expect reads the next message and checks its kind.
func (c *Conn) Expect(k Kind) (Msg, []int, error) {
	m, fds, err := c.Recv()
	if err != nil {
		return m, fds, err
	}
	if m.Kind != k {
		closeFds(fds)
		return m, nil, fmt.Errorf("sync: expected %q message, got %q", k, m.Kind)
	}
	return m, fds, nil
}

// ExpectClosed reads the peer's end: the socket closes without a word
// (the child exec'd, or let go of its parent-death signal and closed it).
func (c *Conn) ExpectClosed() error {
	m, fds, err := c.Recv()
	if err == ErrClosed {
		return nil
	}
	if err != nil {
		return err
	}
	closeFds(fds)
	return fmt.Errorf("sync: expected the end of the connection, got %q", m.Kind)
}

func closeFds(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
