package caps

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The child scenarios change the credentials of their process, so they run
// in a re-executed copy of the test binary selected by this variable.
const childEnv = "RT_CAPS_TEST_CHILD"

func init() {
	// Capabilities are per thread: keep the main goroutine on the main thread
	// so /proc/thread-self and execve see what Apply did.
	if os.Getenv(childEnv) != "" {
		runtime.LockOSThread()
	}
}

func TestMain(m *testing.M) {
	if sc := os.Getenv(childEnv); sc != "" {
		if err := runChild(sc); err != nil {
			fmt.Println("ERROR:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var testCaps = &specs.LinuxCapabilities{
	Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETPCAP"},
	Effective:   []string{"CAP_CHOWN", "CAP_NET_BIND_SERVICE"},
	Permitted:   []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
	Inheritable: []string{"CAP_NET_BIND_SERVICE"},
	Ambient:     []string{"CAP_NET_BIND_SERVICE"},
}

func runChild(scenario string) error {
	c := testCaps
	if scenario == "ambient-not-inheritable" {
		cc := *testCaps
		cc.Inheritable = nil
		c = &cc
	}
	s, err := New(c)
	if err != nil {
		return err
	}
	if err := s.DropBounding(); err != nil {
		return err
	}
	if scenario == "nonroot-exec" {
		if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
			return err
		}
		if err := unix.Setresgid(1000, 1000, 1000); err != nil {
			return err
		}
		if err := unix.Setresuid(1000, 1000, 1000); err != nil {
			return err
		}
	}
	if err := s.Apply(); err != nil {
		return err
	}
	if scenario == "nonroot-exec" {
		// What survives execve for a non-root user is the ambient set.
		return syscall.Exec("/bin/cat", []string{"cat", "/proc/self/status"}, nil)
	}
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(b)
	return err
}

func runScenario(t *testing.T, scenario string) (map[string]uint64, string, error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+scenario)
	out, err := cmd.CombinedOutput()
	got := map[string]uint64{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.HasPrefix(k, "Cap") {
			continue
		}
		n, perr := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		if perr != nil {
			t.Fatalf("parse %q: %v", sc.Text(), perr)
		}
		got[k] = n
	}
	return got, string(out), err
}

func mask(names ...string) uint64 {
	var m uint64
	for _, n := range names {
		m |= 1 << uint(byName[n])
	}
	return m
}

func TestApplyAsRoot(t *testing.T) {
	got, out, err := runScenario(t, "root")
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	want := map[string]uint64{
		"CapBnd": mask(testCaps.Bounding...),
		"CapEff": mask(testCaps.Effective...),
		"CapPrm": mask(testCaps.Permitted...),
		"CapInh": mask(testCaps.Inheritable...),
		"CapAmb": mask(testCaps.Ambient...),
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %016x, want %016x", k, got[k], w)
		}
	}
}

func TestApplyNonRootAmbientSurvivesExec(t *testing.T) {
	got, out, err := runScenario(t, "nonroot-exec")
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	amb := mask(testCaps.Ambient...)
	want := map[string]uint64{
		"CapBnd": mask(testCaps.Bounding...),
		"CapEff": amb,
		"CapPrm": amb,
		"CapInh": mask(testCaps.Inheritable...),
		"CapAmb": amb,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %016x, want %016x", k, got[k], w)
		}
	}
}

// An ambient capability that is not inheritable is left out, as runc
// does (the parent warns), and the rest still applies.
func TestApplyAmbientNeedsInheritable(t *testing.T) {
	got, out, err := runScenario(t, "ambient-not-inheritable")
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if got["CapAmb"] != 0 || got["CapPrm"] != mask(testCaps.Permitted...) {
		t.Errorf("CapAmb = %016x, CapPrm = %016x; want none and the permitted set:\n%s", got["CapAmb"], got["CapPrm"], out)
	}
}
