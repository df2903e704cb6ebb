// Package user handles process.user and `exec --user`: numeric uid[:gid]
// strings and the home directory lookup for $HOME.
package user

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ParseUserGroup parses "uid" or "uid:gid". Only numbers are accepted: names
// would need the container's /etc/passwd, which the caller must not read
// from the host side. "1" is uid 1 with no gid (hasGID false).
func ParseUserGroup(s string) (uid, gid uint32, hasGID bool, err error) {
	u, g, hasGID := strings.Cut(s, ":")
	uid, err = parseID(u)
	if err != nil {
		return 0, 0, false, fmt.Errorf("parse user %q: uid: %w", s, err)
	}
	if !hasGID {
		return uid, 0, false, nil
	}
	gid, err = parseID(g)
	if err != nil {
		return 0, 0, false, fmt.Errorf("parse user %q: gid: %w", s, err)
	}
	return uid, gid, true, nil
}

func parseID(s string) (uint32, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	// ParseUint would accept nothing but digits in base 10 anyway; checking
	// first gives a clearer message for "-1", "+1", " 1" and "0x10".
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a decimal number", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	// (uid_t)-1 means "leave unchanged" to setresuid, so it is never an id.
	if n == 1<<32-1 {
		return 0, fmt.Errorf("%q is reserved", s)
	}
	return uint32(n), nil
}

// maxLine bounds one passwd line; longer lines are skipped, not fatal,
// so a hostile image cannot make exec fail or eat memory through it.
const maxLine = 64 << 10

// HomeDir returns the home directory of uid from a passwd(5) file, or "/"
// when the file or the entry does not exist (many images have neither).
// passwdPath is opened as given: the caller must already be inside the
// container's root, or pass a path resolved safely beneath it.
func HomeDir(passwdPath string, uid uint32) (string, error) {
	f, err := os.Open(passwdPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "/", nil
		}
		return "", fmt.Errorf("open %s: %w", passwdPath, err)
	}
	defer f.Close()
	home, err := homeFrom(f, uid)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", passwdPath, err)
	}
	return home, nil
}

// homeFrom scans passwd lines "name:password:uid:gid:gecos:home:shell" and
// returns the home of the first entry for uid, like getpwuid(3).
func homeFrom(r io.Reader, uid uint32) (string, error) {
	br := bufio.NewReaderSize(r, maxLine)
	want := []byte(strconv.FormatUint(uint64(uid), 10))
	for {
		line, err := readLine(br)
		if home, ok := matchHome(line, want); ok {
			return home, nil
		}
		if err == io.EOF {
			return "/", nil
		}
		if err != nil {
			return "", err
		}
	}
}

// readLine returns the next line without its newline, or nil when the line
// was too long to be a passwd entry.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return bytes.TrimSuffix(line, []byte("\n")), err
	}
	for err == bufio.ErrBufferFull {
		_, err = br.ReadSlice('\n')
	}
	return nil, err
}

func matchHome(line, uid []byte) (string, bool) {
	// glibc's files backend skips comment lines too.
	if bytes.HasPrefix(line, []byte("#")) {
		return "", false
	}
	fields := bytes.Split(line, []byte(":"))
	if len(fields) < 6 || !bytes.Equal(fields[2], uid) {
		return "", false
	}
	home := string(fields[5])
	if home == "" {
		home = "/"
	}
	return home, true
}
