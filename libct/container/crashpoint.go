//go:build !crashtest

package container

// crashPoint marks a step after which a killed command must still leave
// something delete can clean up. It does nothing here; a build with the
// crashtest tag stops the process at a chosen step (see
// crashpoint_crashtest.go), so tests can kill rt at every step.
func crashPoint(string) {}
