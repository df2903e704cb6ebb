// Command keylabel prints the SELinux label of the caller's session
// keyring (keyctl security @s), which a container's runtime sets with the
// process label, or with -describe the keyring's description (type, uid,
// gid, permissions, name). Tests run it inside containers, whose busybox
// has no keyctl.
package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

func main() {
	op := unix.KEYCTL_GET_SECURITY
	if len(os.Args) > 1 && os.Args[1] == "-describe" {
		op = unix.KEYCTL_DESCRIBE
	}
	s, err := unix.KeyctlString(op, unix.KEY_SPEC_SESSION_KEYRING)
	if err != nil {
		fmt.Fprintln(os.Stderr, "keylabel:", err)
		os.Exit(1)
	}
	fmt.Println(strings.TrimRight(s, "\x00"))
}
