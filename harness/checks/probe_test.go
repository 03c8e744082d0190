//go:build vmchecks

package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"shm-e2e/harness/probe"
)

// probeRun is what one run of a snap's probe printed.
type probeRun struct {
	Command string
	Output  string
	Status  int
	Results []probe.Result
}

// runProbe runs a snap's app as root, or as user through that user's own systemd
// instance: snap run insists on a real user session (its own cgroup), which su does
// not give on newer systems.
func runProbe(t *testing.T, user, app string, args ...string) probeRun {
	t.Helper()
	quoted := make([]string, len(args))
	for i, arg := range args {
		quoted[i] = shellQuote(arg)
	}
	cmd := "snap run " + app + " " + strings.Join(quoted, " ")
	if user != "" && user != "root" {
		cmd = "systemd-run --machine=" + user + "@ --user --wait --pipe --quiet " +
			"/usr/bin/" + cmd
	}
	out, status := sh(cmd + " 2>&1")
	results, err := probe.Parse(out)
	require.NoError(t, err, "probe output of %s", cmd)
	require.NotEmpty(t, results, "%s printed no results (status %d):\n%s", cmd, status, out)
	return probeRun{Command: cmd, Output: out, Status: status, Results: results}
}

// result returns the run's result for an operation on a name.
func (r probeRun) result(t *testing.T, op, name string) probe.Result {
	t.Helper()
	for _, res := range r.Results {
		if res.Op == op && strings.TrimPrefix(res.Name, "/") == strings.TrimPrefix(name, "/") {
			return res
		}
	}
	require.Failf(t, "missing probe result", "no %s of %q in the output of %s:\n%s",
		op, name, r.Command, r.Output)
	return probe.Result{}
}

// requireOK asserts that an operation succeeded; why says what it proves.
func (r probeRun) requireOK(t *testing.T, op, name, why string) probe.Result {
	t.Helper()
	res := r.result(t, op, name)
	require.Truef(t, res.OK(), "%s: want %s %q to succeed in `%s`, got %s (%s)",
		why, op, name, r.Command, res.Status, res.Data["error"])
	return res
}

// requireFailure asserts that an operation failed with one of the given errnos.
func (r probeRun) requireFailure(t *testing.T, op, name, why string, errnos ...string) {
	t.Helper()
	res := r.result(t, op, name)
	require.Containsf(t, errnos, res.Status, "%s: want %s %q in `%s` to fail with %s, got %s",
		why, op, name, r.Command, strings.Join(errnos, " or "), describe(res))
}

// entries returns what the probe's list operation saw in /dev/shm.
func (r probeRun) entries(t *testing.T) []string {
	t.Helper()
	res := r.requireOK(t, "list", "/dev/shm", "listing /dev/shm")
	return res.List("entries")
}

func describe(res probe.Result) string {
	if res.OK() {
		return fmt.Sprintf("success (%s)", res)
	}
	return res.Status
}
