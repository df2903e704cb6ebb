package seccomp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// cacheFormat is bumped whenever build() changes what it emits for the same
// input, so stale entries are never reused.
const cacheFormat = 1

// nativeArch is the SCMP_ARCH_* name of the architecture we run on.
func nativeArch() specs.Arch {
	switch runtime.GOARCH {
	case "386":
		return specs.ArchX86
	case "amd64":
		return specs.ArchX86_64
	case "arm":
		return specs.ArchARM
	case "arm64":
		return specs.ArchAARCH64
	case "mips":
		return specs.ArchMIPS
	case "mipsle":
		return specs.ArchMIPSEL
	case "mips64":
		return specs.ArchMIPS64
	case "mips64le":
		return specs.ArchMIPSEL64
	case "ppc64":
		return specs.ArchPPC64
	case "ppc64le":
		return specs.ArchPPC64LE
	case "s390x":
		return specs.ArchS390X
	case "riscv64":
		return specs.ArchRISCV64
	case "loong64":
		return specs.ArchLOONGARCH64
	}
	return specs.Arch("SCMP_ARCH_" + runtime.GOARCH)
}

// cacheKey hashes everything the compiled program depends on. The
// libseccomp version costs nothing to read: libseccomp-golang captured it at
// package init, or the helper's build recorded it (helper_client.go).
func cacheKey(cfg *specs.LinuxSeccomp) (string, error) {
	in := struct {
		Format     int                 `json:"format"`
		Libseccomp string              `json:"libseccomp"`
		Arch       specs.Arch          `json:"arch"`
		FlagsNil   bool                `json:"flagsNil"` // omitempty hides nil vs [], which differ
		Seccomp    *specs.LinuxSeccomp `json:"seccomp"`
	}{
		Format:     cacheFormat,
		Libseccomp: libraryVersion(),
		Arch:       nativeArch(),
		FlagsNil:   cfg.Flags == nil,
		Seccomp:    cfg,
	}
	b, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("seccomp: encode cache key: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// maxCacheEntries bounds the cache: the profiles a host runs are few
// (an engine's default per capability set, a handful of custom ones), and
// the oldest entries go when a new one would pass the bound.
const maxCacheEntries = 256

// usableCacheDir tells whether dir may be trusted with programs the
// container will run: it is this user's and nobody else can write it (or
// it does not exist yet, and writeCache makes it so).
func usableCacheDir(dir string) bool {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return errors.Is(err, unix.ENOENT)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Geteuid() || st.Mode&0o022 != 0 {
		slog.Warn("seccomp: not using the cache: it must be a directory of this user's that only it can write", "dir", dir)
		return false
	}
	return true
}

func cachePath(dir, key string) string {
	return filepath.Join(dir, key+".bpf")
}

// readCache returns nil on any miss; a damaged entry is rebuilt and
// overwritten rather than failing the container.
func readCache(dir, key string) *Program {
	b, err := os.ReadFile(cachePath(dir, key))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			slog.Warn("seccomp: cannot read cached profile", "error", err)
		}
		return nil
	}
	p, err := FromBytes(b)
	if err != nil || p == nil {
		slog.Warn("seccomp: ignoring damaged cached profile", "path", cachePath(dir, key), "error", err)
		return nil
	}
	return p
}

// writeCache stores p atomically: concurrent runtimes either see the whole
// entry or none. The os errors name their operation and path already.
func writeCache(dir, key string, p *Program) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+key+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(p.Bytes())
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), cachePath(dir, key))
	}
	if err != nil {
		return err
	}
	pruneCache(dir)
	return nil
}

// pruneCache removes the oldest entries beyond maxCacheEntries. Only a
// miss writes, so a hit never pays for this.
func pruneCache(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) <= maxCacheEntries {
		return
	}
	type entry struct {
		name string
		mod  int64
	}
	var list []entry
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".bpf") {
			list = append(list, entry{e.Name(), fi.ModTime().UnixNano()})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].mod < list[j].mod })
	for len(list) > maxCacheEntries {
		os.Remove(filepath.Join(dir, list[0].name))
		list = list[1:]
	}
}
