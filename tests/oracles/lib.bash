# Shared by the other runtimes' suites (tests/oracles/*.sh): each runs a
# suite of TAP programs against rt, runc and crun side by side and fails
# when rt fails a check runc passes.

# in_own_namespaces SCRIPT ARGS: re-runs the script in mount, UTS, IPC and
# network namespaces of its own: the suites' configs may leave any of them
# out, and nothing they do may reach the host's.
in_own_namespaces() {
	if [ "${ORACLE_IN_NS:-}" != 1 ]; then
		ORACLE_IN_NS=1 exec unshare -m -u -i -n --propagation private "$@"
	fi
}

# hybrid_cgroups: true on a cgroup v1 host with a cgroup2 mount beside it,
# a layout Debian's crun 1.8.1 refuses.
hybrid_cgroups() {
	[ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] &&
		[ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]
}

# select_programs: keeps the programs whose name matches the regular
# expression in ORACLE_PROGRAMS, when it is set.
select_programs() {
	[ -n "${ORACLE_PROGRAMS:-}" ] || return 0
	mapfile -t programs < <(printf '%s\n' "${programs[@]}" | grep -E -- "$ORACLE_PROGRAMS")
}

# run_programs OUT CMD...: runs CMD PROGRAM for each of $programs, TAP and
# then "rc=STATUS" into OUT/<program's name>.tap. With ORACLE_HIDE_UNIFIED=1
# it runs them in a nested mount namespace with the cgroup2 mount hidden.
run_programs() {
	local out=$1 p n
	shift
	rm -rf "$out" && mkdir -p "$out"
	if [ "${ORACLE_HIDE_UNIFIED:-}" = 1 ]; then
		ORACLE_HIDE_UNIFIED=0 unshare -m --propagation private bash -c \
			"mount -t tmpfs none /sys/fs/cgroup/unified && $(declare -f run_programs) && programs=(${programs[*]@Q}) && run_programs ${out@Q} ${*@Q}"
		return
	fi
	for p in "${programs[@]}"; do
		n=$(basename "$p")
		n=${n%.*}
		# -k: a runtime in the foreground passes SIGTERM on to its container
		# and goes on waiting.
		if timeout -k 10 "${ORACLE_TIMEOUT:-120}" "$@" "$p" >"$out/$n.tap" 2>&1; then
			echo "rc=0" >>"$out/$n.tap"
		else
			echo "rc=$?" >>"$out/$n.tap"
		fi
	done
}

# rmdir_cgroups PATTERN...: removes the empty cgroups whose path in a
# hierarchy matches a find -path PATTERN (relative to the hierarchy, as
# "*/testdir/cgrouptest"), deepest first: the parents a suite's
# cgroupsPath made and no runtime removes.
rmdir_cgroups() {
	local p args=()
	for p in "$@"; do args+=(-o -path "/sys/fs/cgroup/$p"); done
	find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d \( -false "${args[@]}" \) 2>/dev/null |
		awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2- |
		while read -r d; do rmdir "$d" 2>/dev/null || true; done
}

# tap_checks FILE STATUS: the checks of a TAP file with that status ("ok" or
# "not ok"), each with its occurrence (a program may make one check twice),
# named without the "- " before and the directive or timing after " #".
tap_checks() {
	awk -v want="$2" 'match($0, /^(not )?ok [0-9]+ /) {
		st = substr($0, 1, RLENGTH); sub(/ [0-9]+ $/, "", st)
		name = substr($0, RLENGTH + 1); sub(/^- /, "", name); sub(/ #.*$/, "", name)
		key = name " #" ++seen[name]
		if (st == want) print key }' "$1" | sort
}

# tap_errors FILE: the YAML "error" diagnostics (runtime-tools' programs
# without checks of their own report failures so), numbers made alike.
tap_errors() {
	sed -n 's/^ *"error": "\(..*\)",\{0,1\}$/\1/p' "$1" | sed 's/[0-9]\{4,\}/N/g' | sort -u
}

# accepted FILE PROGRAM: the checks of PROGRAM that FILE accepts rt failing
# where runc passes ("program: check" lines; # starts a comment).
accepted() {
	[ -f "$1" ] || return 0
	sed -e 's/ *#.*$//' "$1" | sed -n "s/^$2: //p"
}

# report DIR ACCEPTED RUNTIMES...: a table of checks ok / not ok / error
# diagnostics / exit status, a program and runtime (TAP in DIR/<runtime>/),
# and under a row, rt's failures where runc passes that the file ACCEPTED
# does not list. Returns 1 if there is any.
report() {
	local dir=$1 ok=$2 fail=0 f n r t c extra
	shift 2
	printf '%-36s' program
	for r in "$@"; do printf '%-16s' "$r"; done
	echo
	for f in "$dir"/rt/*.tap; do
		n=$(basename "$f" .tap)
		printf '%-36s' "$n"
		for r in "$@"; do
			t=$dir/$r/$n.tap
			printf '%-16s' "$(grep -c '^ok' "$t")/$(grep -c '^not ok' "$t")/$(grep -c '"error": "[^"]' "$t")/$(sed -n 's/^rc=//p' "$t")"
		done
		echo
		c=$dir/runc/$n.tap
		[ -f "$c" ] || continue
		extra=$(comm -12 <(tap_checks "$f" "not ok") <(tap_checks "$c" ok) | sed 's/ #[0-9]*$//' |
			grep -vxF -f <(accepted "$ok" "$n"; echo "#none") || true
		comm -23 <(tap_errors "$f") <(tap_errors "$c"))
		if grep -q '^rc=0' "$c" && ! grep -q '^rc=0' "$f"; then
			extra+=" exit status $(sed -n 's/^rc=//p' "$f")"
		fi
		if [ -n "$extra" ]; then
			echo "  rt fails where runc passes: $extra"
			fail=1
		fi
	done
	echo "(ok/not ok/errors/exit status; TAP in $dir)"
	return $fail
}
