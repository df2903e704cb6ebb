// Package userns reads, writes and checks the id mappings of user
// namespaces (a child's maps, a joined namespace's against the config's,
// a rootless caller's groups), and makes user namespaces that carry a
// given mapping, as idmapped mounts need.
package userns

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/kfile"
)

// ReadMappings returns the uid and gid mappings of the user namespace pid
// is in, as seen from ours.
func ReadMappings(pid int) (uids, gids []specs.LinuxIDMapping, err error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	if uids, err = readMapFile(dir + "uid_map"); err != nil {
		return nil, nil, err
	}
	if gids, err = readMapFile(dir + "gid_map"); err != nil {
		return nil, nil, err
	}
	return uids, gids, nil
}

func readMapFile(path string) ([]specs.LinuxIDMapping, error) {
	b, err := kfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("read id mappings: %w", err)
	}
	m, err := ParseMappings(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseMappings parses the "inside outside count" lines of a uid_map or
// gid_map file.
func ParseMappings(b []byte) ([]specs.LinuxIDMapping, error) {
	var out []specs.LinuxIDMapping
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("bad mapping line %q", sc.Text())
		}
		var v [3]uint32
		for i, s := range f {
			n, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("bad mapping line %q", sc.Text())
			}
			v[i] = uint32(n)
		}
		out = append(out, specs.LinuxIDMapping{ContainerID: v[0], HostID: v[1], Size: v[2]})
	}
	return out, nil
}

// SameMappings reports whether a and b map the same ids; the kernel does
// not care about the order of the lines.
func SameMappings(a, b []specs.LinuxIDMapping) bool {
	if len(a) != len(b) {
		return false
	}
	return slices.Equal(sorted(a), sorted(b))
}

func sorted(m []specs.LinuxIDMapping) []specs.LinuxIDMapping {
	s := slices.Clone(m)
	slices.SortFunc(s, func(x, y specs.LinuxIDMapping) int {
		if x.ContainerID != y.ContainerID {
			return int(int64(x.ContainerID) - int64(y.ContainerID))
		}
		if x.HostID != y.HostID {
			return int(int64(x.HostID) - int64(y.HostID))
		}
		return int(int64(x.Size) - int64(y.Size))
	})
	return s
}

// Key names a pair of mappings, independent of the order of their lines.
func Key(uids, gids []specs.LinuxIDMapping) string {
	var b strings.Builder
	for _, m := range sorted(uids) {
		fmt.Fprintf(&b, "u%d:%d:%d,", m.ContainerID, m.HostID, m.Size)
	}
	for _, m := range sorted(gids) {
		fmt.Fprintf(&b, "g%d:%d:%d,", m.ContainerID, m.HostID, m.Size)
	}
	return b.String()
}

// New returns a handle on a new user namespace with the given mappings.
// A user namespace lives only as long as something refers to it, and the
// kernel makes one only for a process: a child is cloned into it and
// stopped before it runs a single instruction of the program (it is traced
// and the exec stops it), its namespace opened, and the child killed.
// exe is the program to exec; any executable does.
func New(exe string, uids, gids []specs.LinuxIDMapping) (*os.File, error) {
	p, err := os.StartProcess(exe, []string{"rt-userns"}, &os.ProcAttr{
		Env: []string{},
		Sys: &syscall.SysProcAttr{
			Cloneflags:  unix.CLONE_NEWUSER,
			UidMappings: sysMaps(uids),
			GidMappings: sysMaps(gids),
			Ptrace:      true,
			Pdeathsig:   unix.SIGKILL,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("make a user namespace for the mapping: %w", err)
	}
	defer func() {
		p.Kill()
		p.Wait()
	}()
	f, err := os.Open("/proc/" + strconv.Itoa(p.Pid) + "/ns/user")
	if err != nil {
		return nil, fmt.Errorf("open the mapping's user namespace: %w", err)
	}
	return f, nil
}

func sysMaps(m []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, 0, len(m))
	for _, e := range m {
		out = append(out, syscall.SysProcIDMap{ContainerID: int(e.ContainerID), HostID: int(e.HostID), Size: int(e.Size)})
	}
	return out
}

// RunningInUserNS tells whether this process is in a user namespace other
// than the initial one: there the uid map is not the identity over the
// whole id range. Read once per process.
func RunningInUserNS() bool {
	inUserNSOnce.Do(func() {
		b, err := kfile.Read("/proc/self/uid_map")
		if err != nil {
			// No file: a kernel without user namespaces.
			return
		}
		m, err := ParseMappings(b)
		inUserNS = err == nil && !(len(m) == 1 && m[0].ContainerID == 0 && m[0].HostID == 0 && m[0].Size == 4294967295)
	})
	return inUserNS
}

var (
	inUserNSOnce sync.Once
	inUserNS     bool
)
