package report

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shm-e2e/harness/runner"
)

func job(system string, status runner.Status, log string) runner.JobResult {
	return runner.JobResult{Backend: "qemu-local", System: system, Suite: "tests/main/",
		Task: "tests/main/private-subdirectories", Status: status, Stage: "execute",
		Log: log}
}

func loadTestGaps(t *testing.T) []Gap {
	gaps, err := LoadGaps("testdata/gaps.yaml")
	require.NoError(t, err)
	return gaps
}

func TestKnownGapIsStillAFailureButNotUnexpected(t *testing.T) {
	run := &runner.Result{Jobs: []runner.JobResult{
		job("debian-12-64", runner.Failed, "testdata/failed.log"),
		job("debian-13-64", runner.Passed, "testdata/passed.log"),
	}}
	rep := Build(map[string]*runner.Result{"stock": run}, loadTestGaps(t))

	cell := rep.Cells["private-subdirectories"][Column{"debian-12-64", "stock"}]
	assert.Equal(t, KnownGap, cell.Verdict)
	assert.Equal(t, "2.57.6-1+deb12u1+b2", cell.Snapd)
	assert.Contains(t, cell.Why, "only one level")
	assert.Contains(t, cell.Why, "got EACCES", "the assertion's message is kept")
	assert.True(t, rep.Failed(), "a known gap is still a failure")
	assert.Empty(t, rep.Unexpected(), "but the gate expects it")
}

func TestNewFailureIsUnexpected(t *testing.T) {
	run := &runner.Result{Jobs: []runner.JobResult{
		job("debian-13-64", runner.Failed, "testdata/failed.log"),
	}}
	rep := Build(map[string]*runner.Result{"stock": run}, loadTestGaps(t))

	cell := rep.Cells["private-subdirectories"][Column{"debian-13-64", "stock"}]
	assert.Equal(t, Fail, cell.Verdict, "the gap names debian-12-64 only")
	assert.Contains(t, cell.Why, "TestSubdirectoriesInPrivateDevShm")
	require.Len(t, rep.Unexpected(), 1)
	assert.Contains(t, rep.Unexpected()[0], "debian-13-64")
}

func TestGapThatPassesIsUnexpected(t *testing.T) {
	run := &runner.Result{Jobs: []runner.JobResult{
		job("debian-12-64", runner.Passed, "testdata/passed.log"),
	}}
	// The log says 2.68.3, which the gap does not cover: make the version match.
	gaps := loadTestGaps(t)
	gaps[0].Snapd = "2.68.3-*"
	rep := Build(map[string]*runner.Result{"patched": run}, gaps)

	cell := rep.Cells["private-subdirectories"][Column{"debian-12-64", "patched"}]
	assert.Equal(t, Fixed, cell.Verdict)
	assert.False(t, rep.Failed())
	assert.Len(t, rep.Unexpected(), 1, "the list of gaps must be updated")
}

func TestTableHasAColumnPerSystemAndFlavor(t *testing.T) {
	stock := &runner.Result{Jobs: []runner.JobResult{
		job("debian-12-64", runner.Failed, "testdata/failed.log")}}
	patched := &runner.Result{Jobs: []runner.JobResult{
		job("debian-12-64", runner.Passed, "testdata/passed.log")}}
	rep := Build(map[string]*runner.Result{"patched": patched, "stock": stock}, nil)

	var sb strings.Builder
	rep.WriteTable(&sb)
	lines := strings.Split(sb.String(), "\n")
	assert.Regexp(t, `^behaviour\s+debian-12-64 stock\s+debian-12-64 patched$`, lines[0],
		"stock comes first")
	assert.Regexp(t, `^private-subdirectories\s+FAIL\s+PASS$`, lines[1])

	sb.Reset()
	rep.WriteFailures(&sb)
	assert.Contains(t, sb.String(), "private-subdirectories on debian-12-64 stock")
	assert.Contains(t, sb.String(), "log: testdata/failed.log")
}

func TestAbortedJobNamesItsStage(t *testing.T) {
	aborted := job("debian-12-64", runner.Aborted, "")
	aborted.Stage, aborted.Message = "allocate", "no image"
	rep := Build(map[string]*runner.Result{"stock": {Jobs: []runner.JobResult{aborted}}}, nil)

	cell := rep.Cells["private-subdirectories"][Column{"debian-12-64", "stock"}]
	assert.Equal(t, Aborted, cell.Verdict)
	assert.Equal(t, "allocate: no image", cell.Why)
	assert.True(t, rep.Failed())
}

func TestVariantsAreRowsOfTheirOwn(t *testing.T) {
	user := job("debian-12-64", runner.Passed, "testdata/passed.log")
	user.Task, user.Variant = "tests/main/private-arbitrary-names", "user"
	rep := Build(map[string]*runner.Result{"stock": {Jobs: []runner.JobResult{user}}}, nil)
	assert.Equal(t, []string{"private-arbitrary-names:user"}, rep.Rows)
}

func TestGapsMustGiveAReason(t *testing.T) {
	_, err := LoadGaps("testdata/gap-without-reason.yaml")
	assert.ErrorContains(t, err, "gap-without-reason.yaml:1: known gap has no reason")
}

func TestAbortedJobsOfAColumnAreSaidOnce(t *testing.T) {
	first := job("debian-13-64", runner.Aborted, "testdata/aborted.log")
	first.Stage, first.Message = "project prepare", "exit status 1"
	second := job("debian-13-64", runner.Aborted, "")
	second.Task, second.Stage = "tests/main/private-dev-shm", "project prepare"
	rep := Build(map[string]*runner.Result{"patched": {Jobs: []runner.JobResult{first,
		second}}}, nil)

	var sb strings.Builder
	rep.WriteFailures(&sb)
	out := sb.String()
	assert.Equal(t, 1, strings.Count(out, "ABORTED"), out)
	assert.Contains(t, out, "2 jobs on debian-13-64 patched ABORTED: private-dev-shm, "+
		"private-subdirectories")
	assert.Contains(t, out, "it said: no patched snapd packages for debian-13-64")
}
