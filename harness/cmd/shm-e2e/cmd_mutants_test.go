package main

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shm-e2e/harness/mutants"
	"shm-e2e/harness/runner"
)

func TestMutantsRunOnBothSystemsByDefault(t *testing.T) {
	opts, err := parseMutants(nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"debian-12-64", "debian-13-64"}, opts.systems)

	_, err = parseMutants([]string{"-system", ""})
	assert.ErrorContains(t, err, "no system")
}

func jobResult(task string, status runner.Status) runner.JobResult {
	return runner.JobResult{Name: "qemu-local:debian-13-64:tests/main/" + task,
		Task: "tests/main/" + task, Status: status}
}

func TestJudgeMutantNeedsItsOwnSystemsBaseline(t *testing.T) {
	baseline := &mutantRun{system: "debian-13-64", result: &runner.Result{
		Jobs: []runner.JobResult{jobResult("private-dev-shm", runner.Passed)}}}
	killed := &mutantRun{system: "debian-13-64", mutant: mutants.Mutant{Name: "m"},
		result: &runner.Result{
			Jobs: []runner.JobResult{jobResult("private-dev-shm", runner.Failed)}}}
	survived := &mutantRun{system: "debian-13-64", mutant: mutants.Mutant{Name: "m"},
		result: baseline.result}

	verdict, detail := judgeMutant(baseline, killed)
	assert.Equal(t, "killed", verdict)
	assert.Equal(t, "private-dev-shm", detail)

	verdict, _ = judgeMutant(baseline, survived)
	assert.Equal(t, "SURVIVED", verdict)

	verdict, detail = judgeMutant(nil, killed)
	assert.Equal(t, "not judged", verdict, "without a baseline nothing proves a kill")
	assert.Contains(t, detail, "debian-13-64")

	verdict, _ = judgeMutant(baseline, &mutantRun{err: errors.New("build failed")})
	assert.Equal(t, "not judged", verdict)
}

func TestASuiteRunPacksNoOtherFlavoursPackages(t *testing.T) {
	opts := mutantsOptions{systems: []string{"debian-12-64", "debian-13-64"},
		catalogue: []mutants.Mutant{{Name: "a"}, {Name: "b"}}}
	run := &mutantRun{system: "debian-13-64", flavor: "mutant-a"}

	excluded := otherDebs(opts, run)
	assert.Len(t, excluded, 5, "3 flavours x 2 systems, less its own")
	assert.NotContains(t, excluded, debsDir("mutant-a", "debian-13-64"))
	assert.Contains(t, excluded, debsDir("mutant-a", "debian-12-64"))
	assert.Contains(t, excluded, debsDir("patched", "debian-13-64"))
	assert.Contains(t, excluded, debsDir("mutant-b", "debian-13-64"))
}

func TestOnlyPicksJustTheNamedMutants(t *testing.T) {
	opts, err := parseMutants([]string{"-dir", "../../../snapd-mutants",
		"-only", "no-auto-connect,private-with-shared-memory"})
	require.NoError(t, err)
	picked, err := selectMutants(opts)
	require.NoError(t, err)
	var names []string
	for _, m := range picked {
		names = append(names, m.Name)
	}
	assert.Equal(t, []string{"no-auto-connect", "private-with-shared-memory"}, names,
		"mutants after the named ones must not be picked too")

	opts.only["nope"] = true
	_, err = selectMutants(opts)
	assert.ErrorContains(t, err, `no mutant "nope"`)
}

func TestAnInterruptedSuiteRunKillsNothing(t *testing.T) {
	aborted := &runner.Result{Jobs: []runner.JobResult{
		jobResult("private-dev-shm", runner.Aborted)}}
	baseline := &mutantRun{system: "debian-13-64", result: &runner.Result{
		Jobs: []runner.JobResult{jobResult("private-dev-shm", runner.Passed)}}}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	run := &mutantRun{system: "debian-13-64", mutant: mutants.Mutant{Name: "m"}}
	recordSuite(ctx, run, aborted, nil)
	verdict, detail := judgeMutant(baseline, run)
	assert.Equal(t, "not judged", verdict)
	assert.Contains(t, detail, "interrupted")

	run = &mutantRun{system: "debian-13-64", mutant: mutants.Mutant{Name: "m"}}
	recordSuite(context.Background(), run, aborted, errors.New("1 task aborted"))
	verdict, _ = judgeMutant(baseline, run)
	assert.Equal(t, "killed", verdict, "an abort in a whole run is the mutant's doing")
}
