package seccomp

import (
	"encoding/binary"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestBytesRoundTrip(t *testing.T) {
	cfg := denyMkdirat()
	cfg.ListenerPath = "/agent"
	cfg.Flags = []specs.LinuxSeccompFlag{flagTsync, specs.LinuxSeccompFlagWaitKillableRecv}
	cfg.Syscalls = append(cfg.Syscalls, specs.LinuxSyscall{Names: []string{"getpid"}, Action: specs.ActNotify})
	p := mustCompile(t, cfg, "")
	got, err := FromBytes(p.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("round trip changed the program:\n got %+v\nwant %+v", got, p)
	}
	if !got.Notify || got.Flags != unix.SECCOMP_FILTER_FLAG_TSYNC|unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV {
		t.Fatalf("notify/flags lost: %+v", got)
	}
	if p, err := FromBytes(nil); p != nil || err != nil {
		t.Fatalf("FromBytes(nil) = %v, %v", p, err)
	}
}

func TestFromBytesRejects(t *testing.T) {
	good := (&Program{Filter: []unix.SockFilter{{Code: opRetK, K: retAllow}}, Flags: 1}).Bytes()
	mod := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"short", good[:10], "bad header"},
		{"magic", mod(func(b []byte) []byte { b[0] = 'x'; return b }), "bad header"},
		{"version", mod(func(b []byte) []byte { b[4] = 9; return b }), "version 9"},
		{"notify byte", mod(func(b []byte) []byte { b[5] = 2; return b }), "bad header"},
		{"flags", mod(func(b []byte) []byte { b[8] |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER; return b }), "unknown flags"},
		{"zero insns", mod(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 0); return b[:headerLen] }), "0 instructions"},
		{"too many", mod(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 5000); return b }), "5000 instructions"},
		{"truncated", mod(func(b []byte) []byte { return b[:len(b)-1] }), "bytes for 1 instructions"},
		{"trailing", mod(func(b []byte) []byte { return append(b, 0) }), "bytes for 1 instructions"},
	}
	for _, tc := range tests {
		if _, err := FromBytes(tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := FromBytes(good); err != nil {
		t.Fatalf("good program rejected: %v", err)
	}
}
