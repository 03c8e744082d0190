package mutants

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shm-e2e/harness/runner"
)

func TestTheCatalogueLoads(t *testing.T) {
	catalogue, err := Load("../../snapd-mutants")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(catalogue), 8)
	for _, m := range catalogue {
		assert.NotEmpty(t, m.Breaks, m.Name)
		assert.Equal(t, "mutant-"+m.Name, m.Flavor())
	}
}

func TestAMutantMustSayWhatItBreaks(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.patch"), []byte("--- a/f\n"), 0o644))
	_, err := Load(dir)
	assert.ErrorContains(t, err, "x.patch:1: want a first line \"Breaks:")

	_, err = Load(t.TempDir())
	assert.ErrorContains(t, err, "no *.patch")
}

func result(jobs ...runner.JobResult) *runner.Result { return &runner.Result{Jobs: jobs} }

func job(task, variant string, status runner.Status) runner.JobResult {
	name := "qemu-local:debian-12-64:tests/main/" + task
	if variant != "" {
		name += ":" + variant
	}
	return runner.JobResult{Name: name, Task: "tests/main/" + task, Variant: variant,
		Status: status, Stage: "project prepare"}
}

func TestKillersAreTasksThatPassedOnTheBaseline(t *testing.T) {
	baseline := result(
		job("private-dev-shm", "", runner.Passed),
		job("private-arbitrary-names", "user", runner.Passed),
		job("already-broken", "", runner.Failed),
		job("still-fine", "", runner.Passed))
	mutant := result(
		job("private-dev-shm", "", runner.Failed),
		job("private-arbitrary-names", "user", runner.Aborted),
		job("already-broken", "", runner.Failed),
		job("still-fine", "", runner.Passed))

	assert.Equal(t, []string{"private-arbitrary-names:user (aborted at project prepare)",
		"private-dev-shm"}, Killers(baseline, mutant))
	assert.Empty(t, Killers(baseline, baseline), "the baseline kills nothing")
}
