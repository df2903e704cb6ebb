package seccomp

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"reflect"
	"testing"
	"time"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// x/sys/unix has the ioctl numbers but not these structs.
type seccompNotif struct {
	id    uint64
	pid   uint32
	flags uint32
	data  struct {
		nr   int32
		arch uint32
		ip   uint64
		args [6]uint64
	}
}

type seccompNotifResp struct {
	id    uint64
	val   int64
	error int32
	flags uint32
}

// agentGot is what the test agent received over the listener socket.
type agentGot struct {
	state specs.ContainerProcessState
	fd    int
}

// acceptListener plays the seccomp agent's first half: it takes one
// connection and returns the process state and the passed fd.
func acceptListener(ln *net.UnixListener) (agentGot, error) {
	_ = ln.SetDeadline(time.Now().Add(20 * time.Second))
	conn, err := ln.AcceptUnix()
	if err != nil {
		return agentGot{}, fmt.Errorf("accept: %w", err)
	}
	defer conn.Close()
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return agentGot{}, fmt.Errorf("recvmsg: %w", err)
	}
	// The runtime may split the JSON over several writes; read to EOF.
	rest, err := io.ReadAll(conn)
	if err != nil {
		return agentGot{}, fmt.Errorf("read rest: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return agentGot{}, fmt.Errorf("control messages %v: %w", msgs, err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return agentGot{}, fmt.Errorf("SCM_RIGHTS %v: %w", fds, err)
	}
	var got agentGot
	got.fd = fds[0]
	if err := json.Unmarshal(append(buf[:n], rest...), &got.state); err != nil {
		unix.Close(got.fd)
		return agentGot{}, fmt.Errorf("decode state: %w", err)
	}
	return got, nil
}

// answerOne waits for one notification on fd and answers it with resp
// (its id filled in).
func answerOne(fd int, resp seccompNotifResp) (seccompNotif, error) {
	var req seccompNotif
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	if n, err := unix.Poll(pfd, 20000); err != nil || n != 1 {
		return req, fmt.Errorf("poll listener: n=%d err=%v", n, err)
	}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&req))); errno != 0 {
		return req, fmt.Errorf("NOTIF_RECV: %w", errno)
	}
	resp.id = req.id
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp))); errno != 0 {
		return req, fmt.Errorf("NOTIF_SEND: %w", errno)
	}
	return req, nil
}

func TestLoadNotify(t *testing.T) {
	requireAmd64(t)
	if unsafe.Sizeof(seccompNotif{}) != 80 || unsafe.Sizeof(seccompNotifResp{}) != 24 {
		t.Fatal("notify struct layout does not match the kernel's")
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &specs.LinuxSeccomp{
		DefaultAction:    specs.ActAllow,
		ListenerPath:     sock,
		ListenerMetadata: "test-metadata",
		// TSYNC (ignored) must not stop a listener from being made.
		Flags:    []specs.LinuxSeccompFlag{flagTsync, specs.LinuxSeccompFlagWaitKillableRecv},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdirat"}, Action: specs.ActNotify}},
	}
	p := mustCompile(t, cfg, "")
	if !p.Notify {
		t.Fatal("program does not know it notifies")
	}
	cmd, stdout, stderr := startChild(t, p, []string{"mkdirat:lo:0755", "mkdirat:lo:0700"}, nil,
		envAgent+"="+sock)
	// A child that dies early must not leave the agent waiting: closing
	// the listener makes the accept fail at once.
	var res childResult
	var resErr error
	done := make(chan struct{})
	go func() {
		res, resErr = collectChild(cmd, stdout, stderr)
		ln.Close()
		close(done)
	}()
	finish := func() childResult {
		<-done
		if resErr != nil {
			t.Fatal(resErr)
		}
		return res
	}

	got, err := acceptListener(ln)
	if err != nil {
		_ = cmd.Process.Kill()
		r := finish()
		t.Fatalf("agent: %v (child %v, stderr: %s)", err, r.state, r.stderr)
	}
	defer unix.Close(got.fd)
	pid := cmd.Process.Pid
	want := specs.ContainerProcessState{
		Version:  specs.Version,
		Fds:      []string{specs.SeccompFdName},
		Pid:      pid,
		Metadata: "test-metadata",
		State:    specs.State{Version: specs.Version, ID: "seccomp-test", Status: specs.StateCreating, Pid: pid},
	}
	if !reflect.DeepEqual(got.state, want) {
		t.Errorf("process state\n got %+v\nwant %+v", got.state, want)
	}

	// First call goes through for real, second is refused by the agent.
	req1, err1 := answerOne(got.fd, seccompNotifResp{flags: unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE})
	req2, err2 := answerOne(got.fd, seccompNotifResp{error: -int32(unix.EXDEV)})
	if err1 != nil || err2 != nil {
		_ = cmd.Process.Kill()
	}
	r := finish()
	if err1 != nil || err2 != nil {
		t.Fatalf("agent: %v / %v", err1, err2)
	}
	r.expectExit0(t)
	r.expect(t, map[string]unix.Errno{"mkdirat:lo:0755": 0, "mkdirat:lo:0700": unix.EXDEV})
	for i, req := range []seccompNotif{req1, req2} {
		if req.data.nr != unix.SYS_MKDIRAT || req.data.arch != unix.AUDIT_ARCH_X86_64 || int(req.pid) != pid {
			t.Errorf("notification %d: nr %d arch %#x pid %d", i, req.data.nr, req.data.arch, req.pid)
		}
	}
	if req1.data.args[2] != 0o755 || req2.data.args[2] != 0o700 {
		t.Errorf("notified modes %o, %o", req1.data.args[2], req2.data.args[2])
	}
}

func TestSendToAgentErrors(t *testing.T) {
	st := &specs.ContainerProcessState{}
	if err := SendToAgent(filepath.Join(t.TempDir(), "none.sock"), st, 0); err == nil {
		t.Error("sending to a missing socket succeeded")
	}
	if err := SendToAgent("/x", nil, 0); err == nil {
		t.Error("nil state accepted")
	}
	if err := SendToAgent("/x", st, -1); err == nil {
		t.Error("fd -1 accepted")
	}
}
