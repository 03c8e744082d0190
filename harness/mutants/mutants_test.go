package mutants

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shm-e2e/harness/runner"
	"shm-e2e/harness/snapdbuild"
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

// The two systems' snapd releases: every mutant must build for both.
var releases = []string{"2.57.6-1+deb12u1", "2.68.3-3+deb13u1"}

func TestEveryMutantHasOneVariantPerRelease(t *testing.T) {
	catalogue, err := Load("../../snapd-mutants")
	require.NoError(t, err)
	for _, m := range catalogue {
		for _, release := range releases {
			picked, err := snapdbuild.PatchesFor(m.Patches, release)
			require.NoError(t, err)
			assert.Len(t, picked, 1, "mutant %s on snapd %s", m.Name, release)
		}
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

func TestVariantsMakeOneMutantAndSayWhichSnapd(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	write("rule.patch", "Breaks: the rule\nSnapd-Versions: 2.57.*\n---\n")
	write("rule.2.68.patch", "Breaks: the rule\nSnapd-Versions: 2.68.*\n---\n")
	write("mount.patch", "Breaks: the mount\n---\n")

	catalogue, err := Load(dir)
	require.NoError(t, err)
	require.Len(t, catalogue, 2)
	assert.Equal(t, "mount", catalogue[0].Name)
	assert.Equal(t, "rule", catalogue[1].Name)
	assert.Equal(t, []string{filepath.Join(dir, "rule.2.68.patch"),
		filepath.Join(dir, "rule.patch")}, catalogue[1].Patches)

	write("mount.2.68.patch", "Breaks: the mount\nSnapd-Versions: 2.68.*\n---\n")
	_, err = Load(dir)
	assert.ErrorContains(t, err, "mount.patch has no Snapd-Versions: line")

	write("mount.2.68.patch", "Breaks: something else\nSnapd-Versions: 2.68.*\n")
	_, err = Load(dir)
	assert.ErrorContains(t, err, `another variant "something else"`)

	write("mount.2.68.patch", "Breaks: the mount\nSnapd-Versions: [\n---\n")
	_, err = Load(dir)
	assert.ErrorContains(t, err, "bad Snapd-Versions: glob", "read as the build reads it")
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
