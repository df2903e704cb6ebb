package child

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func connPair(t *testing.T) (*Conn, *Conn) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewPollConn(fds[0], "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewPollConn(fds[1], "b")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

type hooksOnly struct{ ran bool }

func (h *hooksOnly) Hooks() error { h.ran = true; return nil }

// A request the parent's handler does not implement is refused in one set
// of words, to the child (which exits) and to the caller.
func TestServeRefusesWhatTheHandlerCannotAnswer(t *testing.T) {
	parent, ch := connPair(t)
	h := &hooksOnly{}
	go func() {
		ch.Send(Msg{Kind: KindHooks})
		ch.Recv()
		ch.Send(Msg{Kind: KindCgroup})
	}()
	_, err := parent.Serve(h, KindReady)
	const want = `sync: unexpected "cgroup" message from the child`
	if err == nil || err.Error() != want {
		t.Fatalf("Serve: %v, want %q", err, want)
	}
	if !h.ran {
		t.Error("the hooks request was not answered")
	}
	_, _, err = ch.Recv()
	var pe *Error
	if !errors.As(err, &pe) || pe.Text != want || pe.Errno != 0 || pe.Step != -1 {
		t.Fatalf("child got %#v, want the error %q", err, want)
	}
}

// ExpectClosed is nil on a closed peer, an error on any message.
func TestExpectClosed(t *testing.T) {
	a, b := connPair(t)
	if err := b.Send(Msg{Kind: KindReady}); err != nil {
		t.Fatal(err)
	}
	if err := a.ExpectClosed(); err == nil {
		t.Fatal("ExpectClosed accepted a message")
	}
	b.Close()
	if err := a.ExpectClosed(); err != nil {
		t.Fatal(err)
	}
}

// A header encoded by the parent decodes to the same fields.
func TestHeaderRoundTrip(t *testing.T) {
	a, b := connPair(t)
	b2 := encode(header{Kind: KindHookError, Errno: 0x100, Step: HookStartContainer, Arg: 1<<32 | 3}, []byte("stderr"))
	if err := unix.Sendmsg(int(b.File().Fd()), b2, nil, nil, 0); err != nil {
		t.Fatal(err)
	}
	m, _, err := a.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != KindHookError || m.Errno != 0x100 || m.Step != HookStartContainer || m.Arg != 1<<32|3 || string(m.Data) != "stderr" {
		t.Fatalf("decoded %+v", m)
	}
}
