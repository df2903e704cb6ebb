#!/bin/bash
# inclusive.sh PERF-DATA RT-BINARY COMM: share of the samples of COMM whose
# call chain passes through each function of rt (inclusive CPU), for the
# functions over 2%. Resolves addresses with go tool addr2line, so it
# works for the init too, whose detached binary perf cannot name.
set -euo pipefail
data=$1 bin=$2 comm=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One sample per paragraph: "ip (dso)" lines, kernel frames included.
# perf prints the frames of a binary as offsets into its mapping: the text
# of rt (static, not PIE) maps file offset X at 0x400000+X.
perf script -i "$data" --comm "$comm" -F ip,dso 2>/dev/null |
	awk -v RS= 'function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
	{ n++; for (i = 1; i <= NF; i += 2) if ($(i + 1) == "(/)" || $(i + 1) ~ /\/rt\)$/) printf "%d 0x%x\n", n, hex($i) + 4194304 }' >"$tmp/s"
total=$(perf script -i "$data" --comm "$comm" -F ip 2>/dev/null | awk -v RS= 'END { print NR }')
cut -d' ' -f2 "$tmp/s" | sort -u >"$tmp/ips"
go tool addr2line "$bin" <"$tmp/ips" | awk 'NR % 2 == 1' | paste "$tmp/ips" - >"$tmp/map"
awk -v total="$total" -v min="${MIN_SHARE:-}" 'NR == FNR { fn[$1] = $2; next }
	{ f = fn[$2]; if (f == "" || f == "?") next; k = $1 SUBSEP f; if (!(k in seen)) { seen[k] = 1; c[f]++ } }
	END { for (f in c) if (c[f] / total >= (min == "" ? 0.02 : min)) printf "%5.1f%%  %s\n", 100 * c[f] / total, f }' "$tmp/map" "$tmp/s" | sort -rn
echo "($total samples)"
