package child

import (
	"os"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The process's capability sets, as root and as another user (whose
// ambient ones survive the execve), and an ambient capability that is not
// inheritable, which the kernel would refuse to raise: left out, as runc
// does (the parent warns).
func TestExecChildCapabilities(t *testing.T) {
	needRoot(t)
	caps := func(inheritable []string) *specs.LinuxCapabilities {
		return &specs.LinuxCapabilities{
			Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETPCAP"},
			Effective:   []string{"CAP_CHOWN", "CAP_NET_BIND_SERVICE"},
			Permitted:   []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
			Inheritable: inheritable,
			Ambient:     []string{"CAP_NET_BIND_SERVICE"},
		}
	}
	const (
		chown = 1 << 0
		kill  = 1 << 5
		setp  = 1 << 8
		bind  = 1 << 10
	)
	for _, tc := range []struct {
		name string
		uid  uint32
		caps *specs.LinuxCapabilities
		want map[string]uint64
	}{
		// root's execve gives it its whole bounding set.
		{"root", 0, caps([]string{"CAP_NET_BIND_SERVICE"}), map[string]uint64{
			"CapBnd": chown | kill | bind | setp, "CapEff": chown | kill | bind | setp, "CapPrm": chown | kill | bind | setp, "CapInh": bind, "CapAmb": bind}},
		{"another user keeps its ambient ones", 1000, caps([]string{"CAP_NET_BIND_SERVICE"}), map[string]uint64{
			"CapBnd": chown | kill | bind | setp, "CapEff": bind, "CapPrm": bind, "CapInh": bind, "CapAmb": bind}},
		{"ambient not inheritable", 1000, caps(nil), map[string]uint64{
			"CapBnd": chown | kill | bind | setp, "CapEff": 0, "CapPrm": 0, "CapInh": 0, "CapAmb": 0}},
		// No capabilities at all: none, not rt's own (runc, crun).
		{"none given", 0, nil, map[string]uint64{"CapBnd": 0, "CapEff": 0, "CapPrm": 0, "CapInh": 0, "CapAmb": 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, w, _ := os.Pipe()
			defer r.Close()
			p, err := Compile(&Config{
				Mode: Exec, ThreadPidNS: -1,
				Process: &specs.Process{Args: []string{"grep", "^Cap", "/proc/self/status"}, Env: []string{"PATH=/bin:/usr/bin"},
					Cwd: "/", User: specs.User{UID: tc.uid, GID: tc.uid}, Capabilities: tc.caps},
				Stdio: [3]*os.File{nil, w, w},
			})
			if err != nil {
				t.Fatal(err)
			}
			out, _ := runExec(t, p, r, w)
			got := map[string]uint64{}
			for _, l := range strings.Split(out, "\n") {
				if k, v, ok := strings.Cut(l, ":"); ok {
					got[k], _ = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				}
			}
			for k, w := range tc.want {
				if got[k] != w {
					t.Errorf("%s = %016x, want %016x", k, got[k], w)
				}
			}
		})
	}
}
