// Package hostbin finds the host programs rt runs itself (busctl,
// newuidmap, newgidmap, criu).
package hostbin

import (
	"errors"
	"os/exec"
	"path/filepath"
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
	return "", errors.Join(err, errors.New("not in the system directories either"))
}
