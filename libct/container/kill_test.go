package container

import (
	"errors"
	"fmt"
	"testing"
)

// One sentinel for "not running", whichever words a command uses.
func TestNotRunningIsErrNotRunning(t *testing.T) {
	err := fmt.Errorf("events: %w", notRunning{"ct"})
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("%v is not ErrNotRunning", err)
	}
	if got, want := err.Error(), `events: container "ct" is not running`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
