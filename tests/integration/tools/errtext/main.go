// Command errtext reads the rt error lines an integration run captured
// (helpers.bash appends every "rt: " line rt writes to stderr to
// $RT_ERRORS_LOG, as "WHERE<TAB>LINE") and fails when a line says the same
// thing twice: one wrapping segment ("word word: ") repeated, or one path
// named in two segments, as in
//
//	write /proc/self/oom_score_adj: write /proc/self/oom_score_adj: invalid argument
//
// which is what wrapping an error that already names its operation and
// path (an *os.PathError) produces.
//
//	errtext LOG
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: errtext LOG")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "errtext: %v (run the integration tests with RT_ERRORS_LOG set, as make integration does)\n", err)
		os.Exit(2)
	}
	defer f.Close()
	seen := map[string]bool{}
	lines, bad := 0, 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		where, line, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			line, where = where, "?"
		}
		lines++
		if seen[line] {
			continue
		}
		seen[line] = true
		if r := repeats(line); len(r) > 0 {
			bad++
			fmt.Printf("%s\n\t%s\n\tsays twice: %s\n", where, line, strings.Join(r, ", "))
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "errtext: %v\n", err)
		os.Exit(2)
	}
	if bad > 0 {
		fmt.Printf("errtext: %d of %d distinct rt error lines say a phrase twice\n", bad, len(seen))
		os.Exit(1)
	}
	fmt.Printf("errtext: %d rt error lines (%d distinct), none says a phrase twice\n", lines, len(seen))
}

// repeats returns the phrases line says twice: a ": "-separated segment
// that occurs twice, and a path that occurs in two segments (one segment
// may name a path twice: "bind /etc/hosts on /etc/hosts"). Clauses joined
// by "; " are separate errors (CRIU's log lines, an error and the failure
// of its cleanup) and are checked one by one.
func repeats(line string) []string {
	msg := strings.TrimPrefix(line, "rt: ")
	for _, l := range []string{"warn: ", "info: ", "debug: "} {
		msg = strings.TrimPrefix(msg, l)
	}
	var out []string
	for _, clause := range split(msg, "; ") {
		seenSeg := map[string]bool{}
		pathSeg := map[string]int{}
		for i, s := range split(clause, ": ") {
			if s != "" && seenSeg[s] {
				out = append(out, fmt.Sprintf("%q", s))
			}
			seenSeg[s] = true
			for _, p := range paths(s) {
				j, ok := pathSeg[p]
				if !ok {
					pathSeg[p] = i
				} else if j != i && j >= 0 {
					out = append(out, p)
					pathSeg[p] = -1 // once
				}
			}
		}
	}
	return out
}

// split splits msg at each sep outside double quotes (Go's %q, with its
// backslash escapes), so a quoted value cannot split it.
func split(msg, sep string) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(msg); i++ {
		switch c := msg[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && strings.HasPrefix(msg[i:], sep):
			parts = append(parts, strings.TrimSpace(msg[start:i]))
			start = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(parts, strings.TrimSpace(msg[start:]))
}

// paths returns the absolute paths in s longer than "/": words that start
// with a slash, quoted or not, without trailing punctuation.
func paths(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, `"'(),;`)
		w = strings.TrimRight(w, ":.")
		if len(w) > 1 && w[0] == '/' && w[1] != '/' {
			out = append(out, w)
		}
	}
	return out
}
