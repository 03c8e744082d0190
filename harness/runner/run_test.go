package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shm-e2e/harness/progress"
)

// fixture runs the basic project with its trace, serial and remote paths in a temp dir.
type fixture struct {
	tmp       string
	trace     string
	serial    string
	artifacts string
	progress  bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	server := requireSSHD(t)
	f := &fixture{tmp: t.TempDir()}
	f.trace = filepath.Join(f.tmp, "trace")
	f.serial = filepath.Join(f.tmp, "serial.log")
	f.artifacts = filepath.Join(f.tmp, "artifacts")
	remote := filepath.Join(f.tmp, "remote")
	t.Setenv("SHM_TEST_TRACE", f.trace)
	t.Setenv("SHM_TEST_SERIAL", f.serial)
	t.Setenv("SHM_TEST_REMOTE", remote)
	t.Setenv("SHM_REMOTE_CHECK", remote)
	t.Setenv("SHM_TEST_PORT", strconv.Itoa(server.port))
	progress.SetOutput(&f.progress)
	t.Cleanup(func() { progress.SetOutput(os.Stderr) })
	return f
}

func (f *fixture) run(t *testing.T, selectors ...string) *Result {
	result, err := Run(context.Background(), Options{
		ProjectDir: "testdata/basic",
		Selectors:  selectors,
		SSHKey:     sshd.key,
		Artifacts:  f.artifacts,
	})
	require.NoError(t, err, f.progress.String())
	return result
}

func (f *fixture) traceLines(t *testing.T) []string {
	data, err := os.ReadFile(f.trace)
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func jobByName(t *testing.T, result *Result, name string) JobResult {
	for _, job := range result.Jobs {
		if job.Name == name {
			return job
		}
	}
	t.Fatalf("no job %s in result", name)
	return JobResult{}
}

func TestOrderOfPrepareAndRestore(t *testing.T) {
	f := newFixture(t)
	result := f.run(t, "ubuntu-24.04-64:tests/order/")

	a, b := "loop:ubuntu-24.04-64:tests/order/a", "loop:ubuntu-24.04-64:tests/order/b"
	remote := filepath.Join(f.tmp, "remote")
	perTask := func(job, task string) []string {
		return []string{
			"project-prepare-each " + job, "backend-prepare-each " + job,
			"suite-prepare-each " + job, "task-prepare " + job,
			"execute " + job + " in " + remote + "/tests/order/" + task,
			"task-restore " + job, "suite-restore-each " + job,
			"backend-restore-each " + job, "project-restore-each " + job,
		}
	}
	want := []string{"allocate loop:ubuntu-24.04-64", "project-prepare", "backend-prepare",
		"suite-prepare tests/order/"}
	want = append(want, perTask(a, "a")...)
	want = append(want, perTask(b, "b")...)
	want = append(want, "suite-restore tests/order/", "backend-restore", "project-restore",
		"discard ubuntu-24.04-64 127.0.0.1:"+strconv.Itoa(sshd.port))
	assert.Equal(t, want, f.traceLines(t))
	assert.True(t, result.Success())
	assert.Contains(t, f.progress.String(), "Executing "+a+" (1/2)...")
	assert.Contains(t, f.progress.String(), "Successful tasks: 2")
}

func TestEnvironmentLevelsHostAndExclude(t *testing.T) {
	f := newFixture(t)
	result := f.run(t, "tests/env/host")

	require.True(t, result.Success(), f.progress.String())
	assert.Equal(t, []string{
		"allocate loop:ubuntu-24.04-64",
		"project-prepare", "backend-prepare",
		"project-prepare-each loop:ubuntu-24.04-64:tests/env/host",
		"backend-prepare-each loop:ubuntu-24.04-64:tests/env/host",
		"env HOSTVAL=from-host LEVEL=suite BACKEND_ONLY=yes SYSTEM_VAR=ubuntu",
		"env COMBINED=task-suite TASK=tests/env/host SUITE=tests/env/",
		"env PATH_OK=yes",
		"env SYSTEM=ubuntu-24.04-64 BACKEND=loop",
		"env excluded=0",
		"backend-restore-each loop:ubuntu-24.04-64:tests/env/host",
		"project-restore-each loop:ubuntu-24.04-64:tests/env/host",
		"backend-restore", "project-restore",
		"discard ubuntu-24.04-64 127.0.0.1:" + strconv.Itoa(sshd.port),
	}, f.traceLines(t))
}

func TestVariantsMakeOneJobEach(t *testing.T) {
	f := newFixture(t)
	result := f.run(t, "ubuntu-24.04-64:tests/env/variants")

	require.Len(t, result.Jobs, 2)
	assert.Equal(t, "one", result.Jobs[0].Variant)
	assert.Equal(t, "two", result.Jobs[1].Variant)
	trace := strings.Join(f.traceLines(t), "\n")
	assert.Contains(t, trace, "variant one FLAVOUR=first PLAIN=plain LEVEL=suite")
	assert.Contains(t, trace, "variant two FLAVOUR=second PLAIN=plain LEVEL=suite")
	assert.FileExists(t, filepath.Join(f.artifacts, "loop:ubuntu-24.04-64",
		"tests/env/variants:two", "output.log"))
}

func TestMatchHelpersAndFailureReport(t *testing.T) {
	f := newFixture(t)
	result := f.run(t, "ubuntu-24.04-64:tests/match/")

	assert.Equal(t, Passed, jobByName(t, result, "loop:ubuntu-24.04-64:tests/match/ok").Status)
	failed := jobByName(t, result, "loop:ubuntu-24.04-64:tests/match/fail")
	assert.Equal(t, Failed, failed.Status)
	assert.Equal(t, "execute", failed.Stage)
	assert.Contains(t, strings.Join(failed.Tail, "\n"), "pattern not found")
	assert.NotContains(t, strings.Join(f.traceLines(t), "\n"), "not reached")
	assert.False(t, result.Success())

	log, err := os.ReadFile(failed.Log)
	require.NoError(t, err)
	assert.Contains(t, string(log), "the quick fox")
	assert.NotContains(t, string(log), elapsedMarker)
	assert.Contains(t, f.progress.String(),
		"Failed tasks: 1\n    - loop:ubuntu-24.04-64:tests/match/fail")

	junit, err := os.ReadFile(filepath.Join(f.artifacts, "junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `<failure message="execute: `)
}

func TestKillTimeoutStopsHungTask(t *testing.T) {
	f := newFixture(t)
	result := f.run(t, "ubuntu-24.04-64:tests/timeout/")

	hung := jobByName(t, result, "loop:ubuntu-24.04-64:tests/timeout/hang")
	assert.Equal(t, Failed, hung.Status)
	assert.Contains(t, hung.Message, "kill-timeout reached after 3s")
	assert.Less(t, hung.Duration.Seconds(), 20.0)
	out, _ := commandOutput("pgrep", "-f", "sleep 417")
	assert.Empty(t, strings.TrimSpace(out), "the remote script must be killed")
}

func TestFailedPrepareStillRestoresAndRunsDebug(t *testing.T) {
	f := newFixture(t)
	result := f.run(t, "tests/failing/")

	job := jobByName(t, result, "loop:ubuntu-24.04-64:tests/failing/prep")
	assert.Equal(t, Failed, job.Status)
	assert.Equal(t, "prepare", job.Stage)
	trace := strings.Join(f.traceLines(t), "\n")
	assert.NotContains(t, trace, "not executed")
	assert.Contains(t, trace, "restore after failed prepare")
	assert.Contains(t, f.progress.String(), "debug output here")
	assert.Contains(t, f.progress.String(), "Failed task prepare: 1")
	assert.Contains(t, strings.Join(result.Warnings, "\n"),
		"tests/failing/prep/task.yaml:2: unknown key \"bogus-key\"")
}

func TestAllocationFailureAbortsOnlyThatSystem(t *testing.T) {
	f := newFixture(t)
	result := f.run(t, "tests/order/a")

	assert.Equal(t, Passed, jobByName(t, result, "loop:ubuntu-24.04-64:tests/order/a").Status)
	broken := jobByName(t, result, "loop:broken-1-64:tests/order/a")
	assert.Equal(t, Aborted, broken.Status)
	assert.Equal(t, "allocate", broken.Stage)
	assert.Contains(t, broken.Message, "no such machine")
	assert.Equal(t, 1, strings.Count(f.progress.String(), "Cannot allocate loop:broken-1-64"))
	assert.Regexp(t, "Cannot allocate loop:broken-1-64: .*no such machine", f.progress.String(),
		"the report says why")
}

func TestSerialLogIsKeptPerJob(t *testing.T) {
	f := newFixture(t)
	f.run(t, "ubuntu-24.04-64:tests/order/a")

	whole, err := os.ReadFile(filepath.Join(f.artifacts, "loop:ubuntu-24.04-64",
		"serial-127.0.0.1:"+strconv.Itoa(sshd.port)+".log"))
	require.NoError(t, err)
	assert.Equal(t, "booted ubuntu-24.04-64\n", string(whole))
}

func TestRepeatRunsTaskAgain(t *testing.T) {
	f := newFixture(t)
	_, err := Run(context.Background(), Options{
		ProjectDir: "testdata/basic", Selectors: []string{"ubuntu-24.04-64:tests/order/a"},
		SSHKey: sshd.key, Artifacts: f.artifacts, Repeat: 2,
	})
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(strings.Join(f.traceLines(t), "\n"), "execute "))
}

func TestInterruptRestoresAndDiscards(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		waitForFile(f.trace, "hanging")
		cancel()
	}()
	result, err := Run(ctx, Options{
		ProjectDir: "testdata/basic", Selectors: []string{"ubuntu-24.04-64:tests/timeout/"},
		SSHKey: sshd.key, Artifacts: f.artifacts,
	})
	require.NoError(t, err)

	job := jobByName(t, result, "loop:ubuntu-24.04-64:tests/timeout/hang")
	assert.Equal(t, "interrupted", job.Message)
	trace := strings.Join(f.traceLines(t), "\n")
	assert.Contains(t, trace, "project-restore")
	assert.Contains(t, trace, "discard ubuntu-24.04-64")
}

func TestFailedRestoreGetsTheNextJobAFreshMachine(t *testing.T) {
	f := newFixture(t)
	result := f.run(t, "ubuntu-24.04-64:tests/dirty/")

	dirty := jobByName(t, result, "loop:ubuntu-24.04-64:tests/dirty/a-restore-fails")
	assert.Equal(t, Failed, dirty.Status)
	assert.Equal(t, "restore", dirty.Stage)
	after := jobByName(t, result, "loop:ubuntu-24.04-64:tests/dirty/b-after")
	assert.Equal(t, Passed, after.Status, "the job after a failed restore must still run")

	trace := strings.Join(f.traceLines(t), "\n")
	assert.Equal(t, 2, strings.Count(trace, "allocate loop:ubuntu-24.04-64"), trace)
	assert.Equal(t, 2, strings.Count(trace, "discard ubuntu-24.04-64"), trace)
	assert.Contains(t, f.progress.String(), "Replacing loop:ubuntu-24.04-64")
}
