// Package user parses `exec --user`: numeric uid[:gid] strings. (HOME from
// the container's /etc/passwd is the child's: libct/child.)
package user

import (
	"errors"
	"fmt"
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
