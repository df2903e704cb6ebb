//go:build !amd64 && !arm64

package signal

import (
	"os"
	ossignal "os/signal"

	"golang.org/x/sys/unix"
)

// Notify relays the signals sigs to ch through os/signal, where rt has no
// handler of its own (notify.go).
func Notify(ch chan<- os.Signal, sigs ...unix.Signal) error {
	s := make([]os.Signal, len(sigs))
	for i, sig := range sigs {
		s[i] = sig
	}
	ossignal.Notify(ch, s...)
	return nil
}
