// Command keylabel prints the SELinux label of the caller's session
// keyring (keyctl security @s), which a container's runtime sets with the
// process label; the LSM guest suites run it inside containers, whose
// busybox has no keyctl.
package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

func main() {
	s, err := unix.KeyctlString(unix.KEYCTL_GET_SECURITY, unix.KEY_SPEC_SESSION_KEYRING)
	if err != nil {
		fmt.Fprintln(os.Stderr, "keylabel:", err)
		os.Exit(1)
	}
	fmt.Println(strings.TrimRight(s, "\x00"))
}
