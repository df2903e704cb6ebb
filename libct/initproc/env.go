package initproc

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/user"
)

// DefaultPath is where a name without a slash is looked up when the
// process's environment has no PATH, as execvp(3) does. It is not added
// to the environment: the process gets exactly what its config says.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// processEnv is the environment of the user's process, as runc makes it:
// process.env (and the LISTEN_* variables meant for it) with a later entry
// replacing an earlier one of the same name, and HOME from the container's
// /etc/passwd when it is unset or empty.
func processEnv(cfg *Config, p *specs.Process) []string {
	in := p.Env
	if cfg.ListenFds > 0 {
		in = append(slices.Clip(in), "LISTEN_FDS="+strconv.Itoa(cfg.ListenFds), "LISTEN_PID="+strconv.Itoa(os.Getpid()))
	}
	// Backwards, so the last of each name is the one kept.
	out := make([]string, 0, len(in)+1)
	seen := make(map[string]bool, len(in))
	hasHome := false
	for i := len(in) - 1; i >= 0; i-- {
		k, v, _ := strings.Cut(in[i], "=")
		if seen[k] {
			continue
		}
		seen[k] = true
		if k == "HOME" {
			if v == "" {
				continue
			}
			hasHome = true
		}
		out = append(out, in[i])
	}
	slices.Reverse(out)
	if !hasHome {
		home, err := user.HomeDir("/etc/passwd", p.User.UID)
		if err != nil || home == "" {
			home = "/"
		}
		out = append(out, "HOME="+home)
	}
	return out
}

// lookPath resolves argv[0] with the container's PATH, not rt's.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if err := executable(name); err != nil {
			return "", fmt.Errorf("exec %s: %w", QuoteIfOdd(name), err)
		}
		return name, nil
	}
	path := DefaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		cand := filepath.Join(dir, name)
		if executable(cand) == nil {
			return cand, nil
		}
	}
	return "", fmt.Errorf("exec %q: executable file not found in $PATH", name)
}

// executable checks path the way execve will: a non-directory that the
// effective credentials may execute. access(2) would judge by the real
// uid and, for a user other than root, without capabilities, so it would
// refuse a file that CAP_DAC_OVERRIDE lets the process run.
func executable(path string) error {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return unix.EACCES
	}
	return unix.Faccessat(unix.AT_FDCWD, path, unix.X_OK, unix.AT_EACCESS)
}

// QuoteIfOdd leaves a plain path as it is, so that errors read as the
// kernel's and runc's ("exec /entrypoint.sh: exec format error", which
// users and engines know), and quotes one that could break a log line.
func QuoteIfOdd(s string) string {
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '\\' || r >= 0x7f {
			return strconv.Quote(s)
		}
	}
	return s
}
