package child

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestStatfsMountFlags(t *testing.T) {
	got := statfsMountFlags(unix.ST_NOSUID | unix.ST_NODEV | unix.ST_NOEXEC | unix.ST_RELATIME | 0x2000)
	want := uint64(unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RELATIME | unix.MS_NOSYMFOLLOW)
	if got != want {
		t.Errorf("got %#x, want %#x", got, want)
	}
	if got := statfsMountFlags(unix.ST_RDONLY | unix.ST_NOATIME | unix.ST_NODIRATIME); got != unix.MS_RDONLY|unix.MS_NOATIME|unix.MS_NODIRATIME {
		t.Errorf("ro/noatime: got %#x", got)
	}
	// No atime flag at all is strictatime, which statfs cannot show.
	if got := statfsMountFlags(unix.ST_NOSUID); got != unix.MS_NOSUID|unix.MS_STRICTATIME {
		t.Errorf("strictatime: got %#x", got)
	}
}

// The cases are those of runc's mounts_sshfs.bats in a user namespace,
// where the source's ro, nosuid, nodev, noexec and atime are locked.
func TestLockedRemountFlags(t *testing.T) {
	const rel = unix.MS_RELATIME
	tests := []struct {
		name                   string
		current, want, cleared uint64
		expect, locked         uint64
		atime                  bool
	}{
		{"unnamed locked flags are kept", unix.MS_RDONLY | rel, unix.MS_NOSUID | unix.MS_NODEV, 0,
			unix.MS_RDONLY | rel | unix.MS_NOSUID | unix.MS_NODEV, 0, false},
		{"ro on nodev,nosuid,noexec", unix.MS_NODEV | unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NOATIME, unix.MS_RDONLY, 0,
			unix.MS_RDONLY | unix.MS_NODEV | unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NOATIME, 0, false},
		{"nosymfollow is not lockable: dropped", unix.MS_NODEV | unix.MS_NOSYMFOLLOW | rel, unix.MS_RDONLY, unix.MS_NOSYMFOLLOW,
			unix.MS_RDONLY | unix.MS_NODEV | rel, 0, false},
		{"unlocked cleared flag is fine", unix.MS_NODEV | rel, 0, unix.MS_NOEXEC, unix.MS_NODEV | rel, 0, false},
		{"explicit rw of a locked ro fails", unix.MS_RDONLY | rel, unix.MS_NOSUID, unix.MS_RDONLY, 0, unix.MS_RDONLY, false},
		{"dev,suid,exec fail", unix.MS_NODEV | unix.MS_NOSUID | unix.MS_NOATIME, 0, unix.MS_NODEV | unix.MS_NOSUID | unix.MS_NOEXEC, 0,
			unix.MS_NOSUID | unix.MS_NODEV, false},
		{"strictatime over nodiratime fails", unix.MS_NODIRATIME | rel, unix.MS_STRICTATIME, 0, 0, 0, true},
		{"relatime over noatime fails", unix.MS_NOATIME, rel, 0, 0, 0, true},
		{"noatime over strictatime fails", unix.MS_STRICTATIME, unix.MS_NOATIME, 0, 0, 0, true},
		{"the same atime is fine", unix.MS_NOATIME | unix.MS_NODIRATIME, unix.MS_NOATIME | unix.MS_NODIRATIME, 0,
			unix.MS_NOATIME | unix.MS_NODIRATIME, 0, false},
	}
	for _, tc := range tests {
		got, locked, atime := lockedRemountFlags(tc.current, tc.want, tc.cleared)
		if got != tc.expect || locked != tc.locked || atime != tc.atime {
			t.Errorf("%s: got %#x, locked %#x, atime %v; want %#x, %#x, %v", tc.name, got, locked, atime, tc.expect, tc.locked, tc.atime)
		}
	}
}

func TestHomeOf(t *testing.T) {
	for _, tc := range []struct {
		line string
		uid  uint32
		want string
	}{
		{"root:x:0:0:root:/root:/bin/sh", 0, "/root"},
		{"root:x:0:0:root:/root:/bin/sh", 1, ""},
		{"u:x:1000:1000::/home/u:/bin/sh", 1000, "/home/u"},
		{"u:x:1000:1000:::/bin/sh", 1000, ""}, // empty home: HOME=/
		{"#root:x:0:0:root:/fake:/bin/sh", 0, ""},
		{"short:x:0", 0, ""},
		{"bad:x:0x:0::/h:", 0, ""},
	} {
		if got := string(homeOf([]byte(tc.line), tc.uid)); got != tc.want {
			t.Errorf("homeOf(%q, %d) = %q, want %q", tc.line, tc.uid, got, tc.want)
		}
	}
}
