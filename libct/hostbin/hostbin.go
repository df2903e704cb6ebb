// Package hostbin finds the host programs rt runs itself (busctl,
// newuidmap, newgidmap, criu).
package hostbin

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// systemDirs are searched after $PATH: engines run the runtime with a bare
// environment (rootless Podman calls `delete` with XDG_RUNTIME_DIR alone),
// and a missing PATH must not make a tool the host has look absent.
var systemDirs = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// Find returns the path of the program name: from $PATH when it is there,
// else from the standard system directories.
func Find(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	for _, d := range systemDirs {
		p := filepath.Join(d, name)
		if _, serr := exec.LookPath(p); serr == nil {
			return p, nil
		}
	}
	// One line, as every rt error: errors.Join would add a second.
	return "", fmt.Errorf("%w, nor in %s", err, strings.Join(systemDirs, ":"))
}
