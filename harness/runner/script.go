package runner

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The helpers spread defines for every script. MATCH and NOMATCH read their input like
// spread's (echoed unquoted, so newlines become spaces). REBOOT is not supported.
const scriptHelpers = `REBOOT() { { set +xu; } 2>/dev/null; ` +
	`echo "<ERROR REBOOT is not supported by the shm-e2e runner>"; exit 213; }
ERROR() { { set +xu; } 2>/dev/null; [ -z "${1:-}" ] && echo '<ERROR>' || echo "<ERROR $*>"; ` +
	`exit 213; }
MATCH() { { set +xu; } 2>/dev/null; [ ${#@} -gt 0 ] || ` +
	`{ echo "error: missing regexp argument"; return 1; }; local stdin="$(cat)"; ` +
	`echo $stdin | grep -q -e "$@" || ` +
	`{ { echo "error: pattern not found, got:"; echo "$stdin"; } >&2; return 1; }; }
NOMATCH() { { set +xu; } 2>/dev/null; [ ${#@} -gt 0 ] || ` +
	`{ echo "error: missing regexp argument"; return 1; }; local stdin="$(cat)"; ` +
	`if echo $stdin | grep -q -e "$@"; then ` +
	`{ echo "error: pattern found, got:"; echo "$stdin"; } >&2; return 1; fi; }
`

// elapsedMarker is printed by the wrapper's exit trap so the runner can tell the time
// spent in the script from its own overhead. It is removed from the output.
const elapsedMarker = "<SHM-E2E-ELAPSED "

var (
	elapsedLine = regexp.MustCompile(`(?m)^<SHM-E2E-ELAPSED (\d+)>\n?`)
	errorLine   = regexp.MustCompile(`(?m)^<ERROR ?(.*)>$`)
)

// remoteScript wraps script as spread does: cd into dir, helpers, exported environment,
// tracing on, and the script in a subshell reading /dev/null so that nothing it runs
// swallows the rest of the wrapper from stdin. The session id is written to sidFile so a
// timed-out script can be killed with everything it started.
func remoteScript(script, dir, sidFile string, env *Env) string {
	var buf strings.Builder
	fmt.Fprintf(&buf, "cut -d' ' -f6 /proc/$$/stat > %s\n", shellQuote(sidFile))
	fmt.Fprintf(&buf, "__shm_t0=$(date +%%s%%N)\n")
	fmt.Fprintf(&buf, "trap '__rc=$?; { set +x; } 2>/dev/null; rm -f %s; "+
		"echo \"%s$(( $(date +%%s%%N) - __shm_t0 ))>\"; exit $__rc' EXIT\n",
		sidFile, elapsedMarker)
	if dir != "" {
		fmt.Fprintf(&buf, "cd %q\n", dir)
	}
	buf.WriteString(scriptHelpers)
	buf.WriteString("export DEBIAN_FRONTEND=noninteractive\n")
	buf.WriteString("export DEBIAN_PRIORITY=critical\n")
	buf.WriteString("export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n")
	buf.WriteString(env.exportLines())
	buf.WriteString("set -x\n")
	fmt.Fprintf(&buf, "(\n%s\n) < /dev/null\n", strings.TrimSpace(script))
	return buf.String()
}

// shellRC is the rc file of the interactive shell -debug and -shell open: the job's
// directory, helpers and environment.
func shellRC(dir string, env *Env) string {
	var buf strings.Builder
	if dir != "" {
		fmt.Fprintf(&buf, "cd %q\n", dir)
	}
	buf.WriteString(scriptHelpers)
	buf.WriteString(env.exportLines())
	buf.WriteString(`export PS1="$SPREAD_BACKEND:$SPREAD_SYSTEM \w# "` + "\n")
	return buf.String()
}

// takeElapsed removes the elapsed marker from output and returns the script's time.
func takeElapsed(output string) (string, time.Duration) {
	var elapsed time.Duration
	for _, m := range elapsedLine.FindAllStringSubmatch(output, -1) {
		ns, _ := strconv.ParseInt(m[1], 10, 64)
		elapsed = time.Duration(ns)
	}
	return elapsedLine.ReplaceAllString(output, ""), elapsed
}

// errorMessage returns the message an ERROR helper call printed, if any.
func errorMessage(output string) (string, bool) {
	m := errorLine.FindAllStringSubmatch(output, -1)
	if m == nil {
		return "", false
	}
	return m[len(m)-1][1], true
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
