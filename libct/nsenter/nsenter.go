// Package nsenter holds the only C in rt: a constructor that runs before the
// Go runtime starts, because setns(2) into a mount or user namespace is
// refused to a multi-threaded process and the Go runtime is multi-threaded
// from its first instruction.
//
// The runtime opts in by setting _RT_SETNS in the child's environment to a
// comma-separated list of namespace fds (those joinable as the host's root
// first, then the user namespace, then the rest), and optionally
// _RT_UNSHARE to a decimal clone-flag mask to unshare afterwards (with
// _RT_TIMENS holding the offsets of a new time namespace). With
// CLONE_NEWPID among them the constructor forks, the child goes on as the
// init, and the parent reports its pid ({"type":"pid"}) and exits.
// Every other invocation of the binary pays one getenv.
package nsenter

/*
#cgo CFLAGS: -Wall -Wextra -O2
extern void rt_nsenter(void);
void __attribute__((constructor)) rt_nsenter_init(void) { rt_nsenter(); }
*/
import "C"
