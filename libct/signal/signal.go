// Package signal is rt's side of signals: it parses the argument of
// `rt kill`, and it catches the signals a foreground rt relays (Notify).
package signal

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Real-time signal bounds as user space sees them: glibc keeps 32 and 33
// for itself, so SIGRTMIN is 34 (what kill -l, docker and runc print).
const (
	rtMin = 34
	rtMax = 64
)

// Realtime lists the real-time signals, SIGRTMIN to SIGRTMAX.
func Realtime() []unix.Signal {
	s := make([]unix.Signal, 0, rtMax-rtMin+1)
	for sig := unix.Signal(rtMin); sig <= rtMax; sig++ {
		s = append(s, sig)
	}
	return s
}

var byName = map[string]unix.Signal{
	"HUP":    unix.SIGHUP,
	"INT":    unix.SIGINT,
	"QUIT":   unix.SIGQUIT,
	"ILL":    unix.SIGILL,
	"TRAP":   unix.SIGTRAP,
	"ABRT":   unix.SIGABRT,
	"IOT":    unix.SIGIOT,
	"BUS":    unix.SIGBUS,
	"FPE":    unix.SIGFPE,
	"KILL":   unix.SIGKILL,
	"USR1":   unix.SIGUSR1,
	"SEGV":   unix.SIGSEGV,
	"USR2":   unix.SIGUSR2,
	"PIPE":   unix.SIGPIPE,
	"ALRM":   unix.SIGALRM,
	"TERM":   unix.SIGTERM,
	"STKFLT": unix.SIGSTKFLT,
	"CHLD":   unix.SIGCHLD,
	"CLD":    unix.SIGCLD,
	"CONT":   unix.SIGCONT,
	"STOP":   unix.SIGSTOP,
	"TSTP":   unix.SIGTSTP,
	"TTIN":   unix.SIGTTIN,
	"TTOU":   unix.SIGTTOU,
	"URG":    unix.SIGURG,
	"XCPU":   unix.SIGXCPU,
	"XFSZ":   unix.SIGXFSZ,
	"VTALRM": unix.SIGVTALRM,
	"PROF":   unix.SIGPROF,
	"WINCH":  unix.SIGWINCH,
	"IO":     unix.SIGIO,
	"POLL":   unix.SIGPOLL,
	"PWR":    unix.SIGPWR,
	"SYS":    unix.SIGSYS,
}

// Parse accepts a signal number ("9"), a name with or without the SIG
// prefix in any case ("KILL", "SIGKILL", "sigkill") or a real-time signal
// ("RTMIN", "RTMIN+3", "SIGRTMAX-1"). Signal 0 is refused: kill(2) would
// only probe the process, which `rt kill` must not pretend is a signal.
func Parse(s string) (unix.Signal, error) {
	if isDigits(s) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > rtMax {
			return 0, fmt.Errorf("invalid signal %q: number must be between 1 and %d", s, rtMax)
		}
		return unix.Signal(n), nil
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if sig, ok := byName[name]; ok {
		return sig, nil
	}
	if sig, ok := parseRT(name); ok {
		return sig, nil
	}
	return 0, fmt.Errorf("invalid signal %q", s)
}

func parseRT(name string) (unix.Signal, bool) {
	var base, sign int
	var off string
	switch {
	case name == "RTMIN":
		return rtMin, true
	case name == "RTMAX":
		return rtMax, true
	case strings.HasPrefix(name, "RTMIN+"):
		base, sign, off = rtMin, 1, name[len("RTMIN+"):]
	case strings.HasPrefix(name, "RTMAX-"):
		base, sign, off = rtMax, -1, name[len("RTMAX-"):]
	default:
		return 0, false
	}
	if !isDigits(off) || len(off) > 2 {
		return 0, false
	}
	n, _ := strconv.Atoi(off)
	sig := base + sign*n
	if sig < rtMin || sig > rtMax {
		return 0, false
	}
	return unix.Signal(sig), true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
