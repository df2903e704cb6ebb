//go:build cgo

// Command rt-seccomp compiles a seccomp profile with libseccomp for rt.
// `make` builds it statically, with cgo, and embeds it in rt, which is
// built without cgo: so the C library and cgo's start-up cost only the
// commands that compile a profile the cache does not hold, not every rt
// process (libct/seccomp/helper_client.go runs it).
package main

import (
	"os"

	"github.com/rt-runtime/rt/libct/seccomp"
)

func main() {
	os.Exit(seccomp.ServeHelper(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
