# Shared by the guest check scripts (cgroupv2.sh, systemd.sh): PASS/FAIL
# lines and a failure count. The caller sets $dir, the cgroup under test.
fails=0

check() { # NAME COMMAND...: PASS when COMMAND succeeds; returns its verdict
	local name=$1
	shift
	if "$@"; then
		echo "PASS $name"
	else
		echo "FAIL $name"
		fails=$((fails + 1))
		return 1
	fi
}

is() { # FILE WANT: the cgroup file $dir/FILE holds WANT
	local got
	got=$(cat "$dir/$1" 2>&1)
	[ "$got" = "$2" ] || { echo "  $1: got '$got', want '$2'" >&2; return 1; }
}
