package checkpoint

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	criurpc "github.com/checkpoint-restore/go-criu/v8/rpc"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/hostbin"
	"github.com/rt-runtime/rt/libct/hostcheck"
)

// swrk is one `criu swrk` process and our end of its RPC socket.
type swrk struct {
	cmd *exec.Cmd
	fd  int
}

// firstExtraFd is where the files passed to startCriu start in CRIU: 0-2
// are stdio and 3 is the RPC socket.
const firstExtraFd = 4

// startCriu starts `criu swrk` with stdio as its stdio (a restored
// process inherits pipes from there) and extra from fd 4 on.
func startCriu(stdio [3]*os.File, extra []*os.File) (*swrk, error) {
	path, err := hostbin.Find("criu")
	if err != nil {
		return nil, errors.New(hostcheck.CRIUMissing)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("criu socket: %w", err)
	}
	theirs := os.NewFile(uintptr(fds[1]), "criu-swrk")
	defer theirs.Close()
	cmd := exec.Command(path, "swrk", "3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio[0], stdio[1], stdio[2]
	cmd.ExtraFiles = append([]*os.File{theirs}, extra...)
	if err := cmd.Start(); err != nil {
		unix.Close(fds[0])
		return nil, fmt.Errorf("start criu: %w", err)
	}
	return &swrk{cmd: cmd, fd: fds[0]}, nil
}

// notifyFunc handles one of CRIU's notifications (script names as in
// criu(8) "action scripts"); fds are the files it came with.
type notifyFunc func(script string, pid int, fds []int) error

// call sends req and serves CRIU's notifications until its answer. A
// failed notification is refused, which makes CRIU undo what it did, and
// its error is returned.
func (s *swrk) call(req *criurpc.CriuReq, notify notifyFunc) (*criurpc.CriuResp, error) {
	if err := s.send(req); err != nil {
		return nil, err
	}
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*16))
	for {
		n, oobn, _, _, err := unix.Recvmsg(s.fd, buf, oob, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read from criu: %w", err)
		}
		if n == 0 {
			return nil, errors.New("criu exited without an answer")
		}
		resp := &criurpc.CriuResp{}
		if err := resp.UnmarshalVT(buf[:n]); err != nil {
			return nil, fmt.Errorf("decode criu answer: %w", err)
		}
		fds := parseRights(oob[:oobn])
		if !resp.GetSuccess() {
			closeAll(fds)
			return resp, errCriu{resp}
		}
		if resp.GetType() != criurpc.CriuReqType_NOTIFY {
			closeAll(fds)
			return resp, nil
		}
		nt := resp.GetNotify()
		herr := notify(nt.GetScript(), int(nt.GetPid()), fds)
		closeAll(fds)
		t := criurpc.CriuReqType_NOTIFY
		if err := s.send(&criurpc.CriuReq{Type: &t, NotifySuccess: ptr(herr == nil)}); err != nil && herr == nil {
			herr = err
		}
		if herr != nil {
			return nil, fmt.Errorf("criu %s: %w", nt.GetScript(), herr)
		}
	}
}

func (s *swrk) send(req *criurpc.CriuReq) error {
	b, err := req.MarshalVT()
	if err != nil {
		return fmt.Errorf("encode criu request: %w", err)
	}
	if _, err := unix.Write(s.fd, b); err != nil {
		return fmt.Errorf("write to criu: %w", err)
	}
	return nil
}

// close ends the conversation and waits for CRIU. Its exit status counts
// only when asked: a pre-dump server exits with an error when the socket
// closes without the final dump it waits for.
func (s *swrk) close(checkExit bool) error {
	unix.Shutdown(s.fd, unix.SHUT_WR)
	unix.Close(s.fd)
	err := s.cmd.Wait()
	if checkExit && err != nil {
		return fmt.Errorf("criu: %w", err)
	}
	return nil
}

func parseRights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		if f, err := unix.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, f...)
		}
	}
	return fds
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// errCriu is CRIU's refusal of a request.
type errCriu struct{ resp *criurpc.CriuResp }

func (e errCriu) Error() string {
	msg := fmt.Sprintf("criu %s failed", strings.ToLower(e.resp.GetType().String()))
	if m := strings.TrimSpace(e.resp.GetCrErrmsg()); m != "" {
		msg += ": " + m
	} else if n := e.resp.GetCrErrno(); n != 0 {
		msg += ": " + unix.Errno(n).Error()
	}
	return msg
}

// withLog adds CRIU's own account to err: the last error lines of its
// log, which is where CRIU says what went wrong.
func withLog(err error, dir, name string) error {
	path := filepath.Join(dir, name)
	var lines []string
	for _, l := range logErrors(path, 3) {
		// CRIU's answer may already carry one of them.
		if !strings.Contains(err.Error(), l) {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return fmt.Errorf("%w (log: %s)", err, path)
	}
	return fmt.Errorf("%w: %s (log: %s)", err, strings.Join(lines, "; "), path)
}

// logErrors returns the last max "Error" lines of a CRIU log, without
// their timestamps.
func logErrors(path string, max int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		b := sc.Bytes()
		i := bytes.Index(b, []byte("Error"))
		if i < 0 {
			continue
		}
		lines = append(lines, string(b[i:]))
		if len(lines) > max {
			lines = lines[1:]
		}
	}
	return lines
}

// checkLazyPages asks CRIU whether it can serve pages lazily here (it
// needs userfaultfd, with the non-cooperative events, from the kernel), so
// that a --lazy-pages dump is refused up front rather than failing after
// the container was frozen.
func checkLazyPages() error {
	s, err := startCriu([3]*os.File{}, nil)
	if err != nil {
		return err
	}
	t := criurpc.CriuReqType_FEATURE_CHECK
	resp, err := s.call(&criurpc.CriuReq{Type: &t, Features: &criurpc.CriuFeatures{LazyPages: ptr(true)}}, func(string, int, []int) error { return nil })
	s.close(false)
	if err != nil {
		return fmt.Errorf("criu feature check: %w", err)
	}
	if !resp.GetFeatures().GetLazyPages() {
		return errors.New("criu is missing features: [LazyPages] (--lazy-pages needs userfaultfd)")
	}
	return nil
}
