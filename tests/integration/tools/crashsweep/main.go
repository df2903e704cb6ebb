// Command crashsweep kills rt at every moment of a command and checks that
// `rt delete -f` then leaves nothing of the container: no state directory,
// cgroup (or systemd unit), mount or process. It is the test of rt's crash
// safety (tests/integration/crash.bats, tests/crash-sweep.sh).
//
//	crashsweep [flags] sweep   kill create, run -d, exec -d and delete -f
//	                           after 0, step, 2*step ... up to their own
//	                           duration, and (with -rt-points, a build with
//	                           the crashtest tag) at each of their crash
//	                           points
//	crashsweep [flags] load    -n containers created, started, killed and
//	                           deleted in parallel while list and state run
//	                           in a loop
//
// It makes itself a child subreaper, so a process rt leaves behind becomes
// its child instead of PID 1's: after each kill every such orphan must be
// in the container's cgroup (where delete finds it) or already dying, and
// after delete -f none may be left.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

var (
	rtBin     = flag.String("rt", "./rt", "rt binary")
	rtPoints  = flag.String("rt-points", "", "rt built with -tags crashtest: also kill at each crash point")
	rootfs    = flag.String("rootfs", "", "rootfs the containers share (read-only)")
	config    = flag.String("config", "", "config.json to start from")
	workDir   = flag.String("work", "", "directory for the state root and bundles")
	cgParent  = flag.String("cgroup-parent", "", "cgroup parent of the containers (\"/rt-crash-PID\" by default)")
	systemd   = flag.Bool("systemd", false, "use rt --systemd-cgroup (units rtcrash-ID.scope)")
	cmdList   = flag.String("cmds", "create,run,exec,delete", "commands to sweep")
	step      = flag.Duration("step", time.Millisecond, "sweep step")
	rounds    = flag.Int("rounds", 1, "sweeps per command (each round shifts the delays by step/rounds)")
	nLoad     = flag.Int("n", 100, "load: containers")
	verbose   = flag.Bool("v", false, "log every iteration")
	failFirst = flag.Bool("fail-fast", true, "stop at the first failure")
)

// env is what every check needs to know.
type env struct {
	root, bundles string
	mountsBefore  int
}

func main() {
	flag.Parse()
	if flag.NArg() != 1 || *rootfs == "" || *config == "" || *workDir == "" {
		fmt.Fprintln(os.Stderr, "usage: crashsweep -rootfs DIR -config FILE -work DIR [flags] sweep|load")
		os.Exit(2)
	}
	if *cgParent == "" {
		*cgParent = fmt.Sprintf("/rt-crash-%d", os.Getpid())
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fatalf("become a subreaper: %v", err)
	}
	startReaper()
	e := &env{root: filepath.Join(*workDir, "root"), bundles: filepath.Join(*workDir, "bundles")}
	if err := os.MkdirAll(e.bundles, 0o755); err != nil {
		fatalf("%v", err)
	}
	e.mountsBefore = mountCount()
	var failures int
	switch flag.Arg(0) {
	case "sweep":
		failures = e.sweep()
	case "load":
		failures = e.load(*nLoad)
	default:
		fatalf("unknown mode %q", flag.Arg(0))
	}
	removeCgroupParent()
	if failures > 0 {
		fmt.Printf("crashsweep %s: %d failures\n", flag.Arg(0), failures)
		os.Exit(1)
	}
	fmt.Printf("crashsweep %s: ok\n", flag.Arg(0))
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "crashsweep: "+format+"\n", a...)
	os.Exit(1)
}

// bundle writes the bundle of container id: the shared rootfs, the given
// config with the process, cgroup path and root replaced.
func (e *env) bundle(id string, args []string) string {
	b, err := os.ReadFile(*config)
	if err != nil {
		fatalf("%v", err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		fatalf("%s: %v", *config, err)
	}
	spec["root"] = map[string]any{"path": *rootfs, "readonly": true}
	proc := spec["process"].(map[string]any)
	proc["args"] = args
	proc["terminal"] = false
	linux := spec["linux"].(map[string]any)
	linux["cgroupsPath"] = cgroupsPath(id)
	dir := filepath.Join(e.bundles, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fatalf("%v", err)
	}
	b, _ = json.Marshal(spec)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		fatalf("%v", err)
	}
	return dir
}

func cgroupsPath(id string) string {
	if *systemd {
		return ":rtcrash:" + id
	}
	return *cgParent + "/" + id
}

// rtArgs is the command line of rt with the global flags.
func (e *env) rtArgs(bin string, args ...string) []string {
	out := []string{bin, "--root", e.root}
	if *systemd {
		out = append(out, "--systemd-cgroup")
	}
	return append(out, args...)
}

// command is one rt command to kill: setup makes what it needs (a running
// container for exec and delete) and returns its arguments.
type command struct {
	name  string
	setup func(e *env, id string) ([]string, error)
	// after is an extra check right after the kill, before the cleanup.
	after func(e *env, id string) error
}

var commands = map[string]command{
	"create": {name: "create", setup: func(e *env, id string) ([]string, error) {
		return []string{"create", "--bundle", e.bundle(id, sleepArgs), id}, nil
	}},
	"run": {name: "run", setup: func(e *env, id string) ([]string, error) {
		return []string{"run", "-d", "--bundle", e.bundle(id, sleepArgs), id}, nil
	}},
	"exec": {name: "exec", setup: func(e *env, id string) ([]string, error) {
		if err := e.rt("run", "-d", "--bundle", e.bundle(id, sleepArgs), id); err != nil {
			return nil, err
		}
		return []string{"exec", "-d", id, "sleep", "1001"}, nil
	}, after: func(e *env, id string) error {
		// A killed exec must leave the container as it was.
		out, err := e.rtOutput("state", id)
		if err != nil {
			return fmt.Errorf("state after a killed exec: %v: %s", err, out)
		}
		var st struct{ Status string }
		if json.Unmarshal(out, &st) != nil || st.Status != "running" {
			return fmt.Errorf("container is not running after a killed exec: %s", out)
		}
		return nil
	}},
	"delete": {name: "delete", setup: func(e *env, id string) ([]string, error) {
		if err := e.rt("run", "-d", "--bundle", e.bundle(id, sleepArgs), id); err != nil {
			return nil, err
		}
		return []string{"delete", "-f", id}, nil
	}},
}

var sleepArgs = []string{"sleep", "1000"}

// sweep kills each command at each delay and crash point.
func (e *env) sweep() int {
	failures := 0
	n := 0
	for _, name := range strings.Split(*cmdList, ",") {
		c, ok := commands[name]
		if !ok {
			fatalf("unknown command %q", name)
		}
		d, err := e.duration(c, &n)
		if err != nil {
			fmt.Printf("FAIL %s: measure: %v\n", name, err)
			failures++
			continue
		}
		iters := 0
		t0 := time.Now()
		for r := 0; r < *rounds; r++ {
			shift := *step * time.Duration(r) / time.Duration(*rounds)
			for delay := shift; delay <= d+*step; delay += *step {
				n++
				iters++
				if err := e.once(c, fmt.Sprintf("crash-%s-%d", name, n), *rtBin, delay, 0); err != nil {
					fmt.Printf("FAIL %s killed after %v: %v\n", name, delay, err)
					failures++
					if *failFirst {
						return failures
					}
				}
			}
		}
		fmt.Printf("%s: %d timed kills (duration %v, step %v) in %v\n", name, iters, d.Round(100*time.Microsecond), *step, time.Since(t0).Round(time.Millisecond))
		t0 = time.Now()
		if *rtPoints == "" {
			continue
		}
		n++
		points, err := e.countPoints(c, fmt.Sprintf("crash-%s-%d", name, n))
		if err != nil {
			fmt.Printf("FAIL %s: count crash points: %v\n", name, err)
			failures++
			continue
		}
		for at := 1; at <= points; at++ {
			n++
			err := e.once(c, fmt.Sprintf("crash-%s-%d", name, n), *rtPoints, 0, at)
			if err != nil {
				fmt.Printf("FAIL %s stopped at crash point %d: %v\n", name, at, err)
				failures++
				if *failFirst {
					return failures
				}
			}
		}
		fmt.Printf("%s: killed at each of %d crash points in %v\n", name, points, time.Since(t0).Round(time.Millisecond))
	}
	return failures
}

// duration measures how long the command takes when nobody kills it
// (median of three).
func (e *env) duration(c command, n *int) (time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < 3; i++ {
		*n++
		id := fmt.Sprintf("crash-%s-%d", c.name, *n)
		args, err := c.setup(e, id)
		if err != nil {
			return 0, err
		}
		t := time.Now()
		if err := e.rt(args...); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(t))
		if err := e.cleanup(c, id, true); err != nil {
			return 0, err
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[1], nil
}

// countPoints runs the command once with the crash points traced.
func (e *env) countPoints(c command, id string) (int, error) {
	args, err := c.setup(e, id)
	if err != nil {
		return 0, err
	}
	p, err := startRT([]string{"RT_CRASH_TRACE=1"}, e.rtArgs(*rtPoints, args...))
	if err != nil {
		return 0, err
	}
	ws, err := wait4(p.pid, 0)
	out := p.output()
	p.out.Close()
	if err == nil && ws.ExitStatus() != 0 {
		err = fmt.Errorf("exit status %d: %s", ws.ExitStatus(), out)
	}
	if cerr := e.cleanup(c, id, true); err == nil {
		err = cerr
	}
	return strings.Count(out, "rt: crash point "), err
}

// once runs the command for a new container id and kills it after delay,
// or (at > 0) at its crash point at, then checks the cleanup.
func (e *env) once(c command, id, bin string, delay time.Duration, at int) error {
	args, err := c.setup(e, id)
	if err != nil {
		return fmt.Errorf("setup: %v", err)
	}
	var envv []string
	if at > 0 {
		envv = []string{"RT_CRASH_AT=" + fmt.Sprint(at)}
	}
	p, err := startRT(envv, e.rtArgs(bin, args...))
	if err != nil {
		return err
	}
	where := ""
	if at > 0 {
		stopped, err := p.waitStopped()
		if err != nil {
			return err
		}
		if !stopped {
			err := fmt.Errorf("did not stop at crash point %d: %s", at, p.output())
			p.out.Close()
			return errors.Join(err, e.cleanup(c, id, true))
		}
		where = strings.TrimSpace(p.output())
		p.kill()
	} else {
		time.Sleep(delay)
		p.kill()
	}
	if *verbose {
		fmt.Printf("%s: %s %v %s\n", id, c.name, delay, where)
	}
	if err := e.cleanup(c, id, false); err != nil {
		if where != "" {
			err = fmt.Errorf("%v (%s)", err, where)
		}
		return err
	}
	return nil
}

// cleanup checks what the killed command left, runs delete -f and checks
// that nothing of the container is left. It goes through every step even
// after a failure, so that the next iteration starts from nothing.
func (e *env) cleanup(c command, id string, complete bool) error {
	var errs []error
	if err := checkOrphans(id); err != nil {
		errs = append(errs, fmt.Errorf("after the kill: %v", err))
	}
	if c.after != nil && !complete {
		if err := c.after(e, id); err != nil {
			errs = append(errs, err)
		}
	}
	out, err := e.rtOutput("delete", "-f", id)
	if err != nil {
		// Until delete -f of an unknown container succeeds (as runc's),
		// "does not exist" is right when there is nothing to delete.
		_, serr := os.Stat(filepath.Join(e.root, id))
		if !os.IsNotExist(serr) || !strings.Contains(string(out), "does not exist") {
			errs = append(errs, fmt.Errorf("delete -f: %v: %s", err, bytes.TrimSpace(out)))
		}
	}
	if err := reapOrphans(); err != nil {
		errs = append(errs, fmt.Errorf("after delete -f: %v", err))
	}
	if err := e.leftovers(id); err != nil {
		errs = append(errs, fmt.Errorf("after delete -f: %v", err))
	}
	os.RemoveAll(filepath.Join(e.bundles, id))
	return errors.Join(errs...)
}
