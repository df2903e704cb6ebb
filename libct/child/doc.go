// Package child starts the processes rt runs in a container (the init of
// a new container, and each process of `rt exec`) without a second start
// of rt's Go binary: the child is a clone of the rt process that never
// execs rt. Its one home holds both halves: the parent compiles the
// config into a Program, a short list of steps over memory it prepared
// beforehand (paths as NUL-terminated bytes, mount flags and data, fds,
// the compiled seccomp filter, capability sets, ids, rlimits, the exec's
// argv and envv), and the child interprets it with raw system calls until
// its execve.
//
// # The child's rules
//
// The child is a clone3 with CLONE_VM, as package syscall's vfork'd
// child is: it shares rt's memory, so the clone copies no page tables, rt
// takes no copy-on-write faults afterwards and the child's execve has
// nothing to tear down. Unlike the vfork'd child, it runs alongside rt,
// on a stack of its own (mapped by Seal, with a guard page), for as long
// as the setup takes. It is single-threaded, it shares nothing but memory
// with rt (not the fd table, the fs root and cwd, the signal handlers nor
// the namespaces), and it must never enter the Go runtime, whose threads
// go on running in rt. It reads only the Program, which rt leaves as it
// is and keeps alive until the child is reaped, and it writes only the
// Program's state. The code that runs there lives in the run*.go files,
// and every function in them
//
//   - is //go:nosplit (and //go:norace): package syscall's runtime hooks
//     spoil the goroutine's stack guard before the fork, so a stack check
//     in the child is a crash, and the linker proves that the chains of
//     nosplit functions fit the stack they start on;
//   - allocates nothing, takes no locks, makes no interface or closure
//     call and uses no map, defer or append;
//   - writes no pointer: only integers and the bytes of buffers the
//     parent allocated before the clone (a pointer write may need the
//     garbage collector's write barrier); addresses the child builds are
//     uintptr;
//   - calls nothing outside these files but the raw system call and the
//     runtime's assembly memmove and memclr; not even the runtime's reset
//     of the signal handlers and mask for a vfork'd child, which reads the
//     parent's running goroutine (fork.go): the child resets them itself.
//
// rt is non-dumpable from the clone on, and so the child, whose mm it is
// until its execve: no process of the container can open the child's
// /proc files (its exe among them, CVE-2019-5736) or trace it.
//
// TestChildCodeNeverEntersTheRuntime checks the machine code of all of it
// for the last three, and the tests run every step kind in a real child.
//
// The child speaks to the parent over the sync socket (proto.go): typed
// binary messages, and on failure the failed step's index, its errno and
// its words, so that an error names the step, the path and the errno.
package child
