package rootfs

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// mountOptions is the parsed form of a spec mount's "options" list.
type mountOptions struct {
	flags       uintptr   // MS_* flags requested for mount(2)
	cleared     uintptr   // MS_* flags the user explicitly turned off (rw, suid, dev, exec...)
	propagation []uintptr // MS_SHARED/MS_SLAVE/... applied one by one after the mount
	attr        unix.MountAttr
	recursive   bool // attr must be applied with mount_setattr(AT_RECURSIVE)
	idmap       bool // idmap or ridmap was requested
	tmpcopyup   bool
	data        []string // filesystem-specific options, passed through as mount(2) data
}

type flagOpt struct {
	clear bool
	flag  uintptr
}

var mountFlagOpts = map[string]flagOpt{
	"async":         {true, unix.MS_SYNCHRONOUS},
	"atime":         {true, unix.MS_NOATIME},
	"bind":          {false, unix.MS_BIND},
	"defaults":      {false, 0},
	"dev":           {true, unix.MS_NODEV},
	"diratime":      {true, unix.MS_NODIRATIME},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"exec":          {true, unix.MS_NOEXEC},
	"iversion":      {false, unix.MS_I_VERSION},
	"lazytime":      {false, unix.MS_LAZYTIME},
	"loud":          {true, unix.MS_SILENT},
	"mand":          {false, unix.MS_MANDLOCK},
	"noatime":       {false, unix.MS_NOATIME},
	"nodev":         {false, unix.MS_NODEV},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"noexec":        {false, unix.MS_NOEXEC},
	"noiversion":    {true, unix.MS_I_VERSION},
	"nolazytime":    {true, unix.MS_LAZYTIME},
	"nomand":        {true, unix.MS_MANDLOCK},
	"norelatime":    {true, unix.MS_RELATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"nosuid":        {false, unix.MS_NOSUID},
	"nosymfollow":   {false, unix.MS_NOSYMFOLLOW},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
	"relatime":      {false, unix.MS_RELATIME},
	"remount":       {false, unix.MS_REMOUNT},
	"ro":            {false, unix.MS_RDONLY},
	"rw":            {true, unix.MS_RDONLY},
	"silent":        {false, unix.MS_SILENT},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"suid":          {true, unix.MS_NOSUID},
	"symfollow":     {true, unix.MS_NOSYMFOLLOW},
	"sync":          {false, unix.MS_SYNCHRONOUS},
}

var propagationOpts = map[string]uintptr{
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

type recAttrOpt struct {
	clear bool
	attr  uint64
}

// Recursive atime options are mutually exclusive values rather than bits,
// so they are handled separately in recAtimeOpts.
var recAttrOpts = map[string]recAttrOpt{
	"rro":          {false, unix.MOUNT_ATTR_RDONLY},
	"rrw":          {true, unix.MOUNT_ATTR_RDONLY},
	"rnosuid":      {false, unix.MOUNT_ATTR_NOSUID},
	"rsuid":        {true, unix.MOUNT_ATTR_NOSUID},
	"rnodev":       {false, unix.MOUNT_ATTR_NODEV},
	"rdev":         {true, unix.MOUNT_ATTR_NODEV},
	"rnoexec":      {false, unix.MOUNT_ATTR_NOEXEC},
	"rexec":        {true, unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime":  {false, unix.MOUNT_ATTR_NODIRATIME},
	"rdiratime":    {true, unix.MOUNT_ATTR_NODIRATIME},
	"rnosymfollow": {false, unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rsymfollow":   {true, unix.MOUNT_ATTR_NOSYMFOLLOW},
}

// The "negative" recursive atime options (ratime, rnorelatime,
// rnostrictatime) fall back to the kernel default, relatime.
var recAtimeOpts = map[string]uint64{
	"rnoatime":       unix.MOUNT_ATTR_NOATIME,
	"rstrictatime":   unix.MOUNT_ATTR_STRICTATIME,
	"rrelatime":      unix.MOUNT_ATTR_RELATIME,
	"ratime":         unix.MOUNT_ATTR_RELATIME,
	"rnorelatime":    unix.MOUNT_ATTR_RELATIME,
	"rnostrictatime": unix.MOUNT_ATTR_RELATIME,
}

// parseMountOptions splits spec options into mount(2) flags, propagation
// changes, mount_setattr attributes and filesystem data. Later options win
// over earlier ones, as with mount(8).
func parseMountOptions(options []string) mountOptions {
	var o mountOptions
	for _, opt := range options {
		if f, ok := mountFlagOpts[opt]; ok {
			if f.clear {
				o.flags &^= f.flag
				o.cleared |= f.flag
			} else {
				o.flags |= f.flag
				o.cleared &^= f.flag
			}
			continue
		}
		if p, ok := propagationOpts[opt]; ok {
			o.propagation = append(o.propagation, p)
			continue
		}
		if a, ok := recAttrOpts[opt]; ok {
			o.recursive = true
			if a.clear {
				o.attr.Attr_set &^= a.attr
				o.attr.Attr_clr |= a.attr
			} else {
				o.attr.Attr_clr &^= a.attr
				o.attr.Attr_set |= a.attr
			}
			continue
		}
		if v, ok := recAtimeOpts[opt]; ok {
			o.recursive = true
			o.attr.Attr_set = o.attr.Attr_set&^unix.MOUNT_ATTR__ATIME | v
			o.attr.Attr_clr |= unix.MOUNT_ATTR__ATIME
			continue
		}
		switch opt {
		case "idmap", "ridmap":
			o.idmap = true
		case "tmpcopyup":
			o.tmpcopyup = true
		default:
			o.data = append(o.data, opt)
		}
	}
	return o
}

func (o mountOptions) isBind() bool {
	return o.flags&unix.MS_BIND != 0
}

func (o mountOptions) dataString() string {
	return strings.Join(o.data, ",")
}

// needsRemount reports whether a bind mount needs a second MS_REMOUNT call:
// MS_BIND ignores every other flag, so any flag beyond bind/rec, or any
// flag explicitly turned off, can only be applied that way.
func (o mountOptions) needsRemount() bool {
	return o.flags&^(unix.MS_BIND|unix.MS_REC|unix.MS_REMOUNT) != 0 || o.cleared != 0
}

// stNoSymfollow is ST_NOSYMFOLLOW from <sys/statvfs.h>; x/sys lacks it.
const stNoSymfollow = 0x2000

const (
	// The atime behaviours: one of them at a time.
	mntAtimeEnum = unix.MS_NOATIME | unix.MS_RELATIME | unix.MS_STRICTATIME
	mntAtime     = mntAtimeEnum | unix.MS_NODIRATIME
	// mntLockFlags are the per-mount flags the kernel locks on the mounts
	// of a mount namespace copied into a less privileged user namespace
	// (MNT_LOCK_READONLY, _NODEV, _NOSUID, _NOEXEC, _ATIME).
	mntLockFlags = unix.MS_RDONLY | unix.MS_NODEV | unix.MS_NOSUID | unix.MS_NOEXEC | mntAtime
)

// statfsMountFlags converts statfs f_flags (ST_*) to the MS_* flags a bind
// remount would have to repeat to keep them.
func statfsMountFlags(stFlags int64) uintptr {
	var ms uintptr
	for st, m := range map[int64]uintptr{
		unix.ST_NOSUID:     unix.MS_NOSUID,
		unix.ST_NODEV:      unix.MS_NODEV,
		unix.ST_NOEXEC:     unix.MS_NOEXEC,
		unix.ST_RDONLY:     unix.MS_RDONLY,
		unix.ST_NOATIME:    unix.MS_NOATIME,
		unix.ST_NODIRATIME: unix.MS_NODIRATIME,
		unix.ST_RELATIME:   unix.MS_RELATIME,
		stNoSymfollow:      unix.MS_NOSYMFOLLOW,
	} {
		if stFlags&st != 0 {
			ms |= m
		}
	}
	// Strict atime is the absence of the others: statfs has no flag for it.
	if ms&mntAtimeEnum == 0 {
		ms |= unix.MS_STRICTATIME
	}
	return ms
}

// lockedRemountFlags is for a bind remount with exactly the wanted flags
// that the kernel refused because the mount has locked flags (current, as
// from statfs). It returns the flags to retry with: the wanted ones plus
// the lockable ones the mount has. It fails when that cannot give what was
// asked: a locked flag the spec clears, or an atime behaviour other than
// the locked one. The kernel would not say so itself: MS_RELATIME is
// ignored next to MS_NOATIME, and MS_STRICTATIME overrides both, so a
// retry would silently give another atime than the one asked for.
func lockedRemountFlags(current, want, cleared uintptr) (uintptr, error) {
	if locked := current & cleared & mntLockFlags; locked != 0 {
		return 0, fmt.Errorf("cannot clear locked flags %s", mountFlagNames(locked))
	}
	if want&mntAtime != 0 && want&mntAtime != current&mntAtime {
		return 0, fmt.Errorf("cannot change locked atime flags %s", mountFlagNames(current&mntAtime))
	}
	return want | current&mntLockFlags, nil
}

// mountFlagNames spells MS_* flags as mount options, for messages.
func mountFlagNames(flags uintptr) string {
	var names []string
	for _, n := range []string{"ro", "nosuid", "nodev", "noexec", "noatime", "nodiratime", "relatime", "strictatime", "nosymfollow"} {
		if f := mountFlagOpts[n].flag; flags&f == f {
			names = append(names, n)
			flags &^= f
		}
	}
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ",")
}

// rootPropagation maps linux.rootfsPropagation to the propagation given to
// "/" before the mounts are made, so that they are made while it is in
// force (as runc and crun do), and the one given to the new root after the
// switch (pivot_root refuses a shared root, and only there does "/" name
// the container's own root). With "shared" a volume bound from a shared
// host mount joins the host's peer group, which is what Kubernetes'
// Bidirectional mount propagation needs; with "slave" it becomes the host's
// slave. The rootfs itself is kept out of the host's groups by
// unshareRootParent.
//
// "unbindable" is the one value not in force during the mounts: the kernel
// refuses to bind an unbindable mount, so every volume from a host mount
// would fail (it does under runc and crun). The mounts are made while
// "private" is, which is unbindable's propagation too, and the new root
// becomes unbindable after the switch.
func rootPropagation(p string) (before, after uintptr, err error) {
	switch p {
	case "":
		return unix.MS_SLAVE | unix.MS_REC, 0, nil
	case "slave", "rslave", "private", "rprivate":
		return propagationOpts[p], 0, nil
	case "shared", "rshared":
		return propagationOpts[p], propagationOpts[p], nil
	case "unbindable":
		return unix.MS_PRIVATE, unix.MS_UNBINDABLE, nil
	case "runbindable":
		return unix.MS_PRIVATE | unix.MS_REC, unix.MS_UNBINDABLE | unix.MS_REC, nil
	}
	return 0, 0, fmt.Errorf("unknown rootfsPropagation %q", p)
}
