package cgroups

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/kfile"
)

// writeFile writes one value to a cgroup control file: never created or
// appended to, one write(2) per command.
func writeFile(dir, file, value string) error {
	p := filepath.Join(dir, file)
	if err := kfile.Write(p, value); err != nil {
		return fmt.Errorf("write %q to %s: %w", value, p, errors.Unwrap(err))
	}
	return nil
}

func readFile(dir, file string) (string, error) {
	p := filepath.Join(dir, file)
	b, err := kfile.Read(p)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", p, errors.Unwrap(err))
	}
	return string(b), nil
}

func fileExists(dir, file string) bool {
	_, err := os.Stat(filepath.Join(dir, file))
	return err == nil
}

// readUint reads a single number; "max" (v2) reads as 0, as runc reports
// unlimited in its stats.
func readUint(dir, file string) (uint64, error) {
	s, err := readFile(dir, file)
	if err != nil {
		return 0, err
	}
	return parseUint(strings.TrimSpace(s))
}

// readInt reads a single signed number (cpu.rt_runtime_us may be -1).
func readInt(dir, file string) (int64, error) {
	s, err := readFile(dir, file)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(s), 10, 64)
}

func parseUint(s string) (uint64, error) {
	if s == "max" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		// v1 reports "unlimited" as a huge value that may have been written
		// as -1; negative values can appear transiently in some counters.
		if i, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && i < 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("parse %q: %w", s, err)
	}
	return v, nil
}

// readKV parses "key value" lines (memory.stat, cpu.stat, ...).
func readKV(dir, file string) (map[string]uint64, error) {
	s, err := readFile(dir, file)
	if err != nil {
		return nil, err
	}
	out := map[string]uint64{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		n, err := parseUint(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, file), err)
		}
		out[k] = n
	}
	return out, nil
}

// readPids reads the pids listed in dir/cgroup.procs and in every
// descendant cgroup.
func readPids(dir string) ([]int, error) {
	var pids []int
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != dir {
				return nil // a nested cgroup went away while walking
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		f, err := os.Open(filepath.Join(p, "cgroup.procs"))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != dir {
				return nil
			}
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			pid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
			if err == nil {
				pids = append(pids, pid)
			}
		}
		return sc.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list pids in %s: %w", dir, err)
	}
	return pids, nil
}

// mkdirAll is os.MkdirAll for cgroupfs, where the parent is there for all
// but the first container under it: one mkdir, its parents only on
// ENOENT, a stat only when it exists already.
func mkdirAll(dir string) error {
	err := unix.Mkdir(dir, 0o755)
	if errors.Is(err, unix.ENOENT) {
		if parent := filepath.Dir(dir); parent != dir {
			if err := mkdirAll(parent); err != nil {
				return err
			}
		}
		err = unix.Mkdir(dir, 0o755)
	}
	if errors.Is(err, unix.EEXIST) {
		var st unix.Stat_t
		if err = unix.Stat(dir, &st); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			err = unix.ENOTDIR
		}
	}
	if err != nil {
		return fmt.Errorf("mkdir %s: %w", dir, err)
	}
	return nil
}

// rmdirTree removes a cgroup and its nested cgroups, deepest first. Files
// inside cgroupfs directories cannot (and need not) be removed. A cgroup
// whose last tasks are still exiting is EBUSY for a moment, hence the retry.
func rmdirTree(dir string) error {
	// Most have no nested cgroup: one rmdir, no listing.
	err := unix.Rmdir(dir)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.EBUSY) && !errors.Is(err, unix.ENOTEMPTY) {
		return fmt.Errorf("rmdir %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err // names the open and the path
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := rmdirTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	delay := time.Millisecond
	for i := 0; ; i++ {
		err = unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) || i >= 12 {
			return fmt.Errorf("rmdir %s: %w", dir, err)
		}
		time.Sleep(delay)
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}

// rmdirIfEmpty removes a shared parent such as /rt; it is fine for it to be
// in use by other containers or already gone.
func rmdirIfEmpty(dir string) {
	_ = unix.Rmdir(dir)
}

// pollUntil calls cond until it reports true, failing after timeout.
func pollUntil(timeout time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	delay := 100 * time.Microsecond
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		time.Sleep(delay)
		if delay < 10*time.Millisecond {
			delay *= 2
		}
	}
}
