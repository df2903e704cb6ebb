#!/bin/bash
# memrun.sh BIN ROOT BUNDLE DIR: one `BIN --root ROOT run` of BUNDLE's
# config with a poststop hook added, which the runtime's own process runs
# and which copies that process's /proc/PID/smaps_rollup; prints its RSS,
# Private_Dirty, Private_Clean and Shared_Clean in KiB, one line. DIR
# holds the hook, the hooked bundle and the copy. bench.sh and profile.sh
# both report memory this way: RSS beside private memory.
set -euo pipefail
bin=$1 root=$2 bundle=$3 dir=$4
mkdir -p "$dir/bundle"
printf '#!/bin/sh\ncat /proc/$PPID/smaps_rollup >"$1"\n' >"$dir/hook"
chmod +x "$dir/hook"
rm -f "$dir/rollup"
jq --arg h "$dir/hook" --arg o "$dir/rollup" --arg b "$(cd "$bundle" && pwd)" \
	'.hooks.poststop = [{path: $h, args: ["hook", $o]}] |
	 .root.path |= (if startswith("/") then . else $b + "/" + . end)' \
	"$bundle/config.json" >"$dir/bundle/config.json"
"$bin" --root "$root" run -b "$dir/bundle" memrun </dev/null >/dev/null 2>&1 || true
awk '/^Rss:/ { rss = $2 } /^Private_Dirty:/ { pd = $2 } /^Private_Clean:/ { pc = $2 } /^Shared_Clean:/ { sc = $2 }
	END { if (rss == "") exit 1; print rss, pd, pc, sc }' "$dir/rollup"
