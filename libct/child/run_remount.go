package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Remounts of a bind with the flags the config asks for, and the flags
// the kernel locked on it (see run_mounts.go).

// remountBind applies the flags want to the bind mount f. In a user
// namespace the kernel refuses a remount that would clear a flag it locked
// (one the mount had when the namespace was made): then the locked ones
// are kept, unless the spec explicitly asks to clear one, which is an
// error.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) remountBind(m *mountSpec, f int32, want, cleared uint64) syscall.Errno {
	want &^= unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT
	target := fdPath(p.st.fdp2[:], f)
	_, err := sys(unix.SYS_MOUNT, 0, cstr(target), 0, unix.MS_BIND|unix.MS_REMOUNT|uintptr(want), 0, 0)
	if err == 0 {
		return 0
	}
	sfs := &p.st.statfs
	if _, e := sys(unix.SYS_FSTATFS, uintptr(f), uintptr(unsafe.Pointer(sfs)), 0, 0, 0, 0); e != 0 {
		p.errDetail("statfs")
		return e
	}
	current := statfsMountFlags(uint64(sfs.Flags))
	retry, locked, atime := lockedRemountFlags(current, want, cleared)
	switch {
	case locked != 0:
		p.errDetail("remount: cannot clear locked flags ")
		p.appFlagNames(locked)
		return err
	case atime:
		p.errDetail("remount: cannot change locked atime flags ")
		p.appFlagNames(current & atimeFlags)
		return err
	}
	if _, e := sys(unix.SYS_MOUNT, 0, cstr(target), 0, unix.MS_BIND|unix.MS_REMOUNT|uintptr(retry), 0, 0); e != 0 {
		p.errDetail("remount with its locked flags ")
		p.appFlagNames(retry & lockedFlags)
		p.errApps(" kept")
		return e
	}
	return 0
}

// lockedRemountFlags is for a bind remount with exactly the flags want
// that the kernel refused because the mount has locked flags (current,
// from statfs): it returns the flags to retry with, the wanted ones plus
// the lockable ones the mount has. It refuses, in locked or atime, what
// that cannot give: a locked flag the config clears, or an atime other
// than the locked one. The kernel would not say so itself: MS_RELATIME is
// ignored next to MS_NOATIME, and MS_STRICTATIME overrides both, so a
// retry would silently give another atime than the one asked for.
//
//go:nosplit
//go:norace
func lockedRemountFlags(current, want, cleared uint64) (retry, locked uint64, atime bool) {
	if locked = current & cleared & lockedFlags; locked != 0 {
		return 0, locked, false
	}
	if want&atimeFlags != 0 && want&atimeFlags != current&atimeFlags {
		return 0, 0, true
	}
	return want | current&lockedFlags, 0, false
}

// statfsMountFlags converts statfs f_flags (ST_*) to the MS_* flags a bind
// remount would have to repeat to keep them.
//
//go:nosplit
//go:norace
func statfsMountFlags(st uint64) uint64 {
	var ms uint64
	for i := 0; i < len(stToMS); i++ {
		if st&stToMS[i][0] != 0 {
			ms |= stToMS[i][1]
		}
	}
	// Strict atime is the absence of the others: statfs has no flag for it.
	if ms&(unix.MS_NOATIME|unix.MS_RELATIME|unix.MS_STRICTATIME) == 0 {
		ms |= unix.MS_STRICTATIME
	}
	return ms
}

//go:noinline
//go:nosplit
//go:norace
func (p *Program) appFlagNames(flags uint64) {
	first := true
	for i := 0; i < len(flagNames); i++ {
		if flags&flagNames[i].flag == 0 {
			continue
		}
		if !first {
			p.errApps(",")
		}
		first = false
		p.errApps(flagNames[i].name)
	}
	if first {
		p.errApps("(none)")
	}
}

// flagNames spell MS_* flags as mount options, for messages.
var flagNames = [...]struct {
	flag uint64
	name string
}{
	{unix.MS_RDONLY, "ro"}, {unix.MS_NOSUID, "nosuid"}, {unix.MS_NODEV, "nodev"},
	{unix.MS_NOEXEC, "noexec"}, {unix.MS_NOATIME, "noatime"}, {unix.MS_NODIRATIME, "nodiratime"},
	{unix.MS_RELATIME, "relatime"}, {unix.MS_STRICTATIME, "strictatime"}, {unix.MS_NOSYMFOLLOW, "nosymfollow"},
}
