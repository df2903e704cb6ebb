// Package validate checks a container ID and a config.json before rt acts
// on them. Every error is a single line that starts with "config.json: "
// (or names the ID) and says which field is wrong; user supplied strings
// are quoted so that a hostile value cannot forge extra log lines.
package validate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/specconv"
)

const maxIDLen = 1024

// ID checks a container ID. IDs become directory names under the state
// root, so anything that could walk out of it is refused.
func ID(id string) error {
	switch {
	case id == "":
		return errors.New("container id must not be empty")
	case len(id) > maxIDLen:
		return fmt.Errorf("container id is %d bytes long, the limit is %d", len(id), maxIDLen)
	case id == "." || id == "..":
		return fmt.Errorf("invalid container id %q", id)
	}
	for _, c := range id {
		if !idChar(c) {
			return fmt.Errorf("invalid container id %q: only letters, digits and _+.- are allowed", id)
		}
	}
	return nil
}

func idChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '+' || c == '.' || c == '-'
}

func errf(format string, args ...any) error {
	return fmt.Errorf("config.json: "+format, args...)
}

// Spec checks s as `rt create` needs it; bundle is the directory that held
// config.json, against which a relative root.path is resolved. It returns
// the first problem found.
func Spec(s *specs.Spec, bundle string) error {
	if s == nil {
		return errf("empty configuration")
	}
	checks := []func(*specs.Spec, string) error{
		checkVersion,
		checkPlatforms,
		checkRoot,
		checkProcess,
		checkHostname,
		checkMounts,
		checkHooks,
		checkLinux,
	}
	for _, check := range checks {
		if err := check(s, bundle); err != nil {
			return err
		}
	}
	return nil
}

// checkVersion accepts 1.0.0 up to any 1.3 patch release, with an optional
// pre-release or build suffix ("1.0.2-dev").
func checkVersion(s *specs.Spec, _ string) error {
	if s.Version == "" {
		return errf("ociVersion must be set")
	}
	core, _, _ := strings.Cut(s.Version, "-")
	core, _, _ = strings.Cut(core, "+")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return errf("ociVersion %q is not a semantic version", s.Version)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || !isDigits(p) {
			return errf("ociVersion %q is not a semantic version", s.Version)
		}
		nums[i] = n
	}
	if nums[0] != 1 || nums[1] > 3 {
		return errf("ociVersion %q is not supported by rt (1.0.0 to 1.3.x)", s.Version)
	}
	return nil
}

type feature struct {
	field   string
	present bool
}

func checkPlatforms(s *specs.Spec, _ string) error {
	features := []feature{
		{"solaris", s.Solaris != nil},
		{"windows", s.Windows != nil},
		{"vm", s.VM != nil},
		{"zos", s.ZOS != nil},
		{"freebsd", s.FreeBSD != nil},
	}
	if l := s.Linux; l != nil {
		features = append(features,
			feature{"linux.intelRdt", l.IntelRdt != nil},
		)
	}
	for _, f := range features {
		if f.present {
			return errf("%s is not supported by rt", f.field)
		}
	}
	return nil
}

func checkRoot(s *specs.Spec, bundle string) error {
	if s.Root == nil || s.Root.Path == "" {
		return errf("root.path must be set")
	}
	p := s.Root.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(bundle, p)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return errf("root.path %q: %v", s.Root.Path, oneLine(err))
	}
	if !fi.IsDir() {
		return errf("root.path %q is not a directory", s.Root.Path)
	}
	return nil
}

func checkHostname(s *specs.Spec, _ string) error {
	for _, f := range []struct{ field, value string }{{"hostname", s.Hostname}, {"domainname", s.Domainname}} {
		if f.value == "" {
			continue
		}
		// Without a UTS namespace of its own the container would rename the host.
		if !specconv.HasNamespace(s, specs.UTSNamespace) {
			return errf("%s requires a uts namespace", f.field)
		}
		if strings.ContainsRune(f.value, 0) || len(f.value) > 64 {
			return errf("%s %q is not valid (at most 64 bytes, no NUL)", f.field, f.value)
		}
	}
	return nil
}

func checkHooks(s *specs.Spec, _ string) error {
	if s.Hooks == nil {
		return nil
	}
	kinds := []struct {
		name  string
		hooks []specs.Hook
	}{
		//lint:ignore SA1019 prestart is deprecated but still run, so still checked
		{"prestart", s.Hooks.Prestart},
		{"createRuntime", s.Hooks.CreateRuntime},
		{"createContainer", s.Hooks.CreateContainer},
		{"startContainer", s.Hooks.StartContainer},
		{"poststart", s.Hooks.Poststart},
		{"poststop", s.Hooks.Poststop},
	}
	for _, k := range kinds {
		for i, h := range k.hooks {
			field := fmt.Sprintf("hooks.%s[%d]", k.name, i)
			if !filepath.IsAbs(h.Path) {
				return errf("%s.path %q must be absolute", field, h.Path)
			}
			if h.Timeout != nil && *h.Timeout <= 0 {
				return errf("%s.timeout must be greater than zero, got %d", field, *h.Timeout)
			}
			if err := checkStrings(field+".args", h.Args); err != nil {
				return err
			}
			if err := checkEnv(field+".env", h.Env); err != nil {
				return err
			}
		}
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// oneLine keeps an underlying error, which may quote a hostile path raw,
// from breaking the one-line rule.
func oneLine(err error) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, err.Error())
}

// checkStrings refuses NUL bytes, which execve would silently truncate at.
func checkStrings(field string, list []string) error {
	for i, v := range list {
		if strings.ContainsRune(v, 0) {
			return errf("%s[%d] contains a NUL byte", field, i)
		}
	}
	return nil
}

func checkEnv(field string, env []string) error {
	for i, kv := range env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return errf("%s[%d] %q is not of the form KEY=VALUE", field, i, kv)
		}
		if strings.ContainsRune(kv, 0) {
			return errf("%s[%d] contains a NUL byte", field, i)
		}
	}
	return nil
}
