package hostcheck

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// apparmorProfiles lists the loaded profiles, "name (mode)" a line.
var apparmorProfiles = "/sys/kernel/security/apparmor/profiles"

// apparmorProfile checks that the profile field names is loaded; a process
// asking for one that is not would fail at its exec, after the container
// was set up. validate has refused a profile where AppArmor is off.
// Stacks ("a//&b") and profiles of other policy namespaces (":ns:a") are
// left to the kernel.
func apparmorProfile(field, name string) (problems, notes []Problem) {
	if name == "" || name == "unconfined" || strings.Contains(name, "//&") || strings.HasPrefix(name, ":") {
		return nil, nil
	}
	loaded, err := loadedProfiles()
	if errors.Is(err, os.ErrNotExist) {
		return nil, []Problem{{field, fmt.Sprintf("cannot tell whether AppArmor profile %q is loaded: no %s (securityfs is not mounted)", name, apparmorProfiles)}}
	}
	if err != nil {
		return []Problem{{field, fmt.Sprintf("read the loaded AppArmor profiles: %v", err)}}, nil
	}
	if !loaded[name] {
		return []Problem{{field, fmt.Sprintf("AppArmor profile %q is not loaded (load it with apparmor_parser)", name)}}, nil
	}
	return nil, nil
}

func loadedProfiles() (map[string]bool, error) {
	f, err := os.Open(apparmorProfiles)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndex(line, " ("); i > 0 {
			line = line[:i]
		}
		out[line] = true
	}
	return out, sc.Err()
}
