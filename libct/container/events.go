package container

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/cgroups"
)

// Event is one line of `rt events`, in runc's shape: Data is the stats for
// "stats" events and absent for "oom".
type Event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data,omitempty"`
}

// Stats reads the usage counters of a live container's cgroup.
func (c *Container) Stats() (*cgroups.Stats, error) {
	if c.Status() == Stopped {
		return nil, notRunning{c.state.ID}
	}
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	s, err := m.Stats()
	if err != nil {
		return nil, fmt.Errorf("stats of %q: %w", c.state.ID, err)
	}
	return s, nil
}

// Events emits a "stats" event every interval and an "oom" event whenever
// the kernel OOM-kills in the container's memory cgroup. It returns nil
// once the container stops (or its cgroup goes away), or emit's error.
// It does not take the lock: it runs for the container's lifetime.
func (c *Container) Events(interval time.Duration, emit func(Event) error) error {
	if interval <= 0 {
		return fmt.Errorf("events: interval must be positive, got %s", interval)
	}
	if c.Status() == Stopped {
		return notRunning{c.state.ID}
	}
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	// The pidfd turns readable when the init exits (zombie or not), so the
	// stream ends promptly without polling /proc.
	pidfd, err := unix.PidfdOpen(c.state.Pid, 0)
	if err != nil {
		return fmt.Errorf("%w: pidfd_open: %w", notRunning{c.state.ID}, err)
	}
	defer unix.Close(pidfd)
	if !alive(c.state.Pid, c.state.InitStartTime) {
		return notRunning{c.state.ID}
	}
	oom, err := watchOOM(c.state.CgroupPaths)
	if err != nil {
		return err
	}
	defer oom.close()

	id := c.state.ID
	oomEvents := func() (gone bool, err error) {
		n, gone, err := oom.read()
		for ; n > 0 && err == nil; n-- {
			err = emit(Event{Type: "oom", ID: id})
		}
		return gone, err
	}
	next := time.Now().Add(interval)
	for {
		fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		if oom.fd >= 0 {
			fds = append(fds, unix.PollFd{Fd: int32(oom.fd), Events: unix.POLLIN})
		}
		timeout := time.Until(next)
		if timeout < 0 {
			timeout = 0
		}
		// Round up: a zero timeout before the tick would spin.
		_, err := unix.Poll(fds, int((timeout+time.Millisecond-1)/time.Millisecond))
		if err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("events: poll: %w", err)
		}
		if len(fds) > 1 && fds[1].Revents != 0 {
			if gone, err := oomEvents(); gone || err != nil {
				return err
			}
		}
		if fds[0].Revents != 0 {
			// The OOM notification may land just after the exit it
			// caused: look once more before ending the stream.
			_, err := oomEvents()
			return err
		}
		if time.Now().Before(next) {
			continue
		}
		next = next.Add(interval)
		if now := time.Now(); next.Before(now) {
			next = now.Add(interval)
		}
		s, err := m.Stats()
		if err != nil {
			if !alive(c.state.Pid, c.state.InitStartTime) || !m.Exists() {
				_, err := oomEvents()
				return err
			}
			// Like runc: a transient read error skips one sample.
			slog.Warn("events: read stats", "id", id, "err", err)
			continue
		}
		if err := emit(Event{Type: "stats", ID: id, Data: s}); err != nil {
			return err
		}
	}
}

// oomWatch is a pollable fd that turns readable on OOM kills: a v1
// memory.oom_control eventfd, or an inotify watch on v2 memory.events.
type oomWatch struct {
	fd      int // -1: no memory cgroup to watch
	v1Dir   string
	v2Dir   string
	control *os.File // v1: memory.oom_control, open while registered
	kills   uint64   // v2: last oom_kill count seen
}

func watchOOM(paths map[string]string) (*oomWatch, error) {
	w := &oomWatch{fd: -1}
	if d, ok := paths["memory"]; ok {
		return w, w.registerV1(d)
	}
	if d, ok := paths[""]; ok {
		if _, err := os.Stat(filepath.Join(d, "memory.events")); err == nil {
			return w, w.registerV2(d)
		}
	}
	return w, nil
}

// registerV1 ties an eventfd to memory.oom_control through
// cgroup.event_control. The kernel signals it on every OOM in the cgroup
// and when the cgroup is removed.
func (w *oomWatch) registerV1(dir string) error {
	f, err := os.Open(filepath.Join(dir, "memory.oom_control"))
	if err != nil {
		return fmt.Errorf("events: watch OOM: %w", err)
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		f.Close()
		return fmt.Errorf("events: eventfd: %w", err)
	}
	ctl := filepath.Join(dir, "cgroup.event_control")
	line := strconv.Itoa(efd) + " " + strconv.Itoa(int(f.Fd()))
	if err := os.WriteFile(ctl, []byte(line), 0); err != nil {
		unix.Close(efd)
		f.Close()
		return fmt.Errorf("events: register OOM notification in %s: %w", ctl, err)
	}
	w.fd, w.v1Dir, w.control = efd, dir, f
	return nil
}

// registerV2 watches memory.events: the kernel notifies modifications of
// it, and its oom_kill counter says whether one was a kill.
func (w *oomWatch) registerV2(dir string) error {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return fmt.Errorf("events: inotify: %w", err)
	}
	if _, err := unix.InotifyAddWatch(fd, filepath.Join(dir, "memory.events"), unix.IN_MODIFY); err != nil {
		unix.Close(fd)
		return fmt.Errorf("events: watch %s: %w", filepath.Join(dir, "memory.events"), err)
	}
	w.fd, w.v2Dir = fd, dir
	w.kills, _ = oomKills(dir)
	return nil
}

// read drains the fd and returns how many OOM events happened since the
// last call, and whether the cgroup is gone.
func (w *oomWatch) read() (n int, gone bool, err error) {
	switch {
	case w.v1Dir != "":
		var buf [8]byte
		if _, err := unix.Read(w.fd, buf[:]); err != nil && err != unix.EAGAIN {
			return 0, false, fmt.Errorf("events: read OOM eventfd: %w", err)
		} else if err == nil && binary.NativeEndian.Uint64(buf[:]) > 0 {
			// The counter counts OOM invocations, several per kill at
			// times: report one event per wakeup, as runc does.
			n = 1
		}
		// Removing the cgroup also signals the eventfd; that is no OOM.
		if _, err := os.Lstat(filepath.Join(w.v1Dir, "cgroup.event_control")); err != nil {
			return 0, true, nil
		}
		return n, false, nil
	case w.v2Dir != "":
		buf := make([]byte, 4096)
		for {
			if _, err := unix.Read(w.fd, buf); err != nil {
				break
			}
		}
		k, err := oomKills(w.v2Dir)
		if err != nil {
			return 0, true, nil
		}
		if k > w.kills {
			n = int(k - w.kills)
		}
		w.kills = k
		return n, false, nil
	}
	return 0, false, nil
}

func (w *oomWatch) close() {
	if w.fd >= 0 {
		unix.Close(w.fd)
	}
	if w.control != nil {
		w.control.Close()
	}
}

// oomKills reads the oom_kill counter of a v2 memory.events file.
func oomKills(dir string) (uint64, error) {
	f, err := os.Open(filepath.Join(dir, "memory.events"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "oom_kill "); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, sc.Err()
}

// Processes lists the host pids of every process in the container's cgroup.
func (c *Container) Processes() ([]int, error) {
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	pids, err := m.GetPids()
	if err != nil {
		return nil, fmt.Errorf("processes of %q: %w", c.state.ID, err)
	}
	return pids, nil
}
