package report

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"shm-e2e/harness/runner"
)

func judgeLog(t *testing.T, system string, status runner.Status, log string) (*Report, Cell) {
	t.Helper()
	run := &runner.Result{Jobs: []runner.JobResult{job(system, status, log)}}
	rep := Build(map[string]*runner.Result{"stock": run}, loadTestGaps(t))
	return rep, rep.Cells["private-subdirectories"][Column{system, "stock"}]
}

func TestAllSkippedIsNotApplicableNeverAPass(t *testing.T) {
	rep, cell := judgeLog(t, "debian-13-64-lxd", runner.Passed, "testdata/na.log")
	assert.Equal(t, NotApplicable, cell.Verdict)
	assert.Equal(t, "N/A (no AppArmor)", cell.Text())
	assert.Contains(t, cell.Why, "denying names needs AppArmor")
	assert.False(t, rep.Failed(), "not applicable is not a failure")
	assert.Empty(t, rep.Unexpected())
	assert.Equal(t, 0, rep.count(Pass, Fixed), "and never counted as a pass")
}

func TestSomeSkippedIsAPartialPass(t *testing.T) {
	_, cell := judgeLog(t, "debian-13-64-lxd", runner.Passed, "testdata/partial.log")
	assert.Equal(t, Partial, cell.Verdict)
	assert.Equal(t, "PASS (partial: no AppArmor)", cell.Text())
	assert.Contains(t, cell.Why, "not run (rest): denying names outside")
}

func TestSkipAfterAssertionsCountsAsPartial(t *testing.T) {
	facts := &logFacts{tests: map[string]string{"TestNaming": "SKIP"},
		skips: []skip{{Need: "apparmor", Scope: "rest", Why: "x"}}}
	verdict, _, _, ok := facts.applicability()
	assert.True(t, ok)
	assert.Equal(t, Partial, verdict, "assertions before a rest-skip ran")
	facts.skips[0].Scope = "all"
	verdict, _, _, _ = facts.applicability()
	assert.Equal(t, NotApplicable, verdict)
}

func TestAFailureWithSkipsIsStillAFailure(t *testing.T) {
	_, cell := judgeLog(t, "debian-13-64-lxd", runner.Failed, "testdata/na.log")
	assert.Equal(t, Fail, cell.Verdict)
}

func TestKnownGapUntestedInAContainerIsNotFixed(t *testing.T) {
	gaps := []Gap{{Task: "private-subdirectories", System: "*", Snapd: "*", Reason: "r1"}}
	run := &runner.Result{Jobs: []runner.JobResult{
		job("debian-12-64-lxd", runner.Passed, "testdata/partial.log")}}
	rep := Build(map[string]*runner.Result{"stock": run}, gaps)
	cell := rep.Cells["private-subdirectories"][Column{"debian-12-64-lxd", "stock"}]
	assert.Equal(t, Partial, cell.Verdict, "a gap the machine cannot test is not fixed")
	assert.Contains(t, cell.Why, "not tested by this machine: r1")
}

func TestHostKernelNamespaceBugIsNotSnapdsFailure(t *testing.T) {
	rep, cell := judgeLog(t, "debian-12-64-lxd", runner.Failed, "testdata/hostkernel.log")
	assert.Equal(t, HostKernel, cell.Verdict)
	assert.Contains(t, cell.Why, "kernel 6.18.44")
	assert.Contains(t, cell.Why, "TestLayout", "the failed checks stay listed")
	assert.True(t, rep.Failed(), "a broken run is not a pass")
	var sb strings.Builder
	rep.WriteTable(&sb)
	assert.Contains(t, sb.String(), "stale mount profile before private-subdirectories")
}

func TestHostKernelLineInAVMIsAnOrdinaryFailure(t *testing.T) {
	facts := &logFacts{machine: "kvm kernel 6.1.0", hostKernel: "kernel 6.1.0: ..."}
	assert.False(t, facts.inContainer(), "a VM runs its own kernel: snapd's failure")
}

func TestContainerColumnsNameTheirKernelAndWorkaround(t *testing.T) {
	rep, _ := judgeLog(t, "debian-12-64-lxd", runner.Passed, "testdata/na.log")
	var sb strings.Builder
	rep.WriteTable(&sb)
	assert.Contains(t, sb.String(), "debian-12-64-lxd stock ran in lxc kernel 6.18.44; "+
		"mount namespace id workaround: kernel 6.18.44: raised 2 CPUs'")
}
