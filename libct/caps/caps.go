// Package caps turns the capability names of process.capabilities into
// numbers and applies the five capability sets to the calling thread.
//
// Capabilities are per thread on Linux. Everything here acts on the calling
// OS thread only, so the caller must hold runtime.LockOSThread from before
// DropBounding until execve.
package caps

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/kfile"
)

// names is indexed by capability number (linux/capability.h).
var names = [...]string{
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

var byName = func() map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}()

// capLastCapPath is a variable so tests can point it at a fake file.
var capLastCapPath = "/proc/sys/kernel/cap_last_cap"

var lastCap struct {
	once sync.Once
	n    int
	err  error
}

// Last returns the highest capability number the running kernel knows
// (/proc/sys/kernel/cap_last_cap). It is computed once per process; where
// /proc is not mounted (an init after pivot_root into a rootfs without it)
// the kernel is asked directly instead.
func Last() (int, error) {
	lastCap.once.Do(func() {
		lastCap.n, lastCap.err = readLastCap(capLastCapPath)
		if lastCap.err != nil {
			if n, ok := probeLastCap(); ok {
				lastCap.n, lastCap.err = n, nil
			}
		}
	})
	return lastCap.n, lastCap.err
}

// probeLastCap finds the highest capability PR_CAPBSET_READ accepts: the
// kernel answers EINVAL for numbers it does not know.
func probeLastCap() (int, bool) {
	for n := 63; n >= 0; n-- {
		if _, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0); err == nil {
			return n, true
		}
	}
	return 0, false
}

func readLastCap(path string) (int, error) {
	b, err := kfile.Read(path)
	if err != nil {
		return 0, err // names the open and the path
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	// Bits above 63 cannot be expressed in the two 32-bit words of capset.
	if err != nil || n < 0 || n > 63 {
		return 0, fmt.Errorf("parse %s: bad value %q", path, strings.TrimSpace(string(b)))
	}
	return n, nil
}

// Parse returns the number of a capability name such as "CAP_SYS_ADMIN".
// Names are case sensitive, as in the runtime spec. A capability the running
// kernel does not know is an error too: asking for it could never succeed.
func Parse(name string) (int, error) {
	n, ok := byName[name]
	if !ok {
		return 0, fmt.Errorf("unknown capability %q", name)
	}
	last, err := Last()
	if err != nil {
		return 0, err
	}
	return checkKernel(name, n, last)
}

func checkKernel(name string, n, last int) (int, error) {
	if n > last {
		return 0, fmt.Errorf("capability %q (%d) is not supported by the running kernel (cap_last_cap %d)", name, n, last)
	}
	return n, nil
}

// Name returns the name of capability n, or "" when n is unknown.
func Name(n int) string {
	if n < 0 || n >= len(names) {
		return ""
	}
	return names[n]
}

// Set holds the five capability sets as bit masks.
type Set struct {
	bounding, effective, permitted, inheritable, ambient uint64
	last                                                 int
}

// New parses every name in c. A nil c gives empty sets, so the process
// ends up with no capabilities at all (what runc does too).
//
// Like runc, New is lenient where container engines routinely send configs
// the kernel cannot honour in full: a name this kernel does not know is
// skipped, and an ambient capability that is not both permitted and
// inheritable (which the kernel would refuse to raise) is left out. Check
// reports both, so the caller can warn before the container starts.
func New(c *specs.LinuxCapabilities) (*Set, error) {
	last, err := Last()
	if err != nil {
		return nil, err
	}
	s := &Set{last: last}
	if c == nil {
		return s, nil
	}
	s.bounding = parseList(c.Bounding)
	s.effective = parseList(c.Effective)
	s.permitted = parseList(c.Permitted)
	s.inheritable = parseList(c.Inheritable)
	s.ambient = parseList(c.Ambient)
	s.ambient &= s.permitted & s.inheritable
	return s, nil
}

// Check returns what New will leave out of c: the names the running kernel
// does not know (each once, in the order met), and the ambient names that
// cannot be raised because they are not both permitted and inheritable.
func Check(c *specs.LinuxCapabilities) (unknown, noAmbient []string, err error) {
	if c == nil {
		return nil, nil, nil
	}
	if _, err := Last(); err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, list := range [][]string{c.Bounding, c.Effective, c.Permitted, c.Inheritable, c.Ambient} {
		for _, name := range list {
			if _, err := Parse(name); err != nil && !seen[name] {
				seen[name] = true
				unknown = append(unknown, name)
			}
		}
	}
	permitted := parseList(c.Permitted)
	inheritable := parseList(c.Inheritable)
	for _, name := range c.Ambient {
		n, err := Parse(name)
		if err == nil && (permitted&inheritable)&(1<<uint(n)) == 0 {
			noAmbient = append(noAmbient, name)
		}
	}
	return unknown, noAmbient, nil
}

// parseList returns the mask of the names in list that this kernel knows.
func parseList(list []string) uint64 {
	var m uint64
	for _, name := range list {
		if n, err := Parse(name); err == nil {
			m |= 1 << uint(n)
		}
	}
	return m
}
