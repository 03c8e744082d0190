package report

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"shm-e2e/harness/runner"
)

// Verdict is one cell of the table.
type Verdict string

const (
	Pass Verdict = "PASS"
	Fail Verdict = "FAIL"
	// Gap is a failure that tests/known-gaps.yaml expects of this snapd.
	KnownGap Verdict = "FAIL (known gap)"
	// Fixed is a known gap that no longer fails: good news the gate must hear about.
	Fixed   Verdict = "PASS (gap fixed)"
	Aborted Verdict = "ABORTED"
)

// Column is one system under one snapd flavour.
type Column struct {
	System string
	Flavor string
}

func (c Column) String() string { return c.System + " " + c.Flavor }

// Cell is one job's outcome.
type Cell struct {
	Verdict Verdict
	Snapd   string
	Why     string // the failed assertions, or the gap's reason
	Log     string
	Note    string // what the machine lacked, for N/A and partial passes
	Machine string // the machine's kind and kernel
	NSID    string // the mount namespace id workaround's report, in containers
	Stale   []string
}

// Report is the table of tasks by column.
type Report struct {
	Columns []Column
	Rows    []string
	Cells   map[string]map[Column]Cell
	// Steps are failed prepare/restore steps above task level, per column.
	Steps []string
}

// Build makes the report of one or more runs, one per snapd flavour.
func Build(runs map[string]*runner.Result, gaps []Gap) *Report {
	r := &Report{Cells: map[string]map[Column]Cell{}}
	for flavor, result := range runs {
		for _, job := range result.Jobs {
			r.add(flavor, job, gaps)
		}
		for _, step := range result.Steps {
			r.Steps = append(r.Steps, fmt.Sprintf("%s: %s %s failed (%s) [%s]",
				flavor, step.Level, step.Stage, step.Name, step.Job))
		}
	}
	r.sort()
	return r
}

func (r *Report) add(flavor string, job runner.JobResult, gaps []Gap) {
	row := strings.TrimPrefix(job.Task, job.Suite)
	row = strings.TrimPrefix(row, "/")
	if job.Variant != "" {
		row += ":" + job.Variant
	}
	col := Column{System: job.System, Flavor: flavor}
	if r.Cells[row] == nil {
		r.Cells[row] = map[Column]Cell{}
	}
	r.Cells[row][col] = judge(job, gaps)
	if !containsColumn(r.Columns, col) {
		r.Columns = append(r.Columns, col)
	}
}

func judge(job runner.JobResult, gaps []Gap) Cell {
	facts := readLog(job.Log)
	snapd, failures := facts.snapd, facts.failures
	cell := Cell{Snapd: snapd, Log: job.Log, Machine: facts.machine, NSID: facts.nsid,
		Stale: facts.stale}
	task := job.Task[strings.LastIndex(job.Task, "/")+1:]
	gap, known := findGap(gaps, task, job.Variant, job.System, snapd)
	lacking, note, skipped, skips := facts.applicability()

	switch {
	case job.Status == runner.Aborted:
		cell.Verdict, cell.Why = Aborted, job.Stage+": "+job.Message
	case facts.hostKernel != "" && facts.inContainer():
		// Not snapd's failure, and not a pass: what failed after it is unknown.
		cell.Verdict, cell.Why = HostKernel, facts.hostKernel+"\n"+failures
	case job.Status == runner.Passed && skips:
		cell.Verdict, cell.Note, cell.Why = lacking, note, skipped
		if known {
			cell.Why += "\nknown gap here, not tested by this machine: " + gap.Reason
		}
	case job.Status == runner.Passed && known:
		cell.Verdict, cell.Why = Fixed, "listed as a known gap: "+gap.Reason
	case job.Status == runner.Passed:
		cell.Verdict = Pass
	case known:
		cell.Verdict, cell.Why = KnownGap, gap.Reason+"\n"+failures
	default:
		cell.Verdict = Fail
		cell.Why = failures
		if cell.Why == "" {
			cell.Why = job.Stage + ": " + job.Message
		}
	}
	return cell
}

func findGap(gaps []Gap, task, variant, system, snapd string) (Gap, bool) {
	for _, g := range gaps {
		if g.matches(task, variant, system, snapd) {
			return g, true
		}
	}
	return Gap{}, false
}

var (
	versionLine = regexp.MustCompile(`^SNAPD-VERSION (\S+)`)
	failLine    = regexp.MustCompile(`^\s*--- FAIL: (\S+)`)
	messageLine = regexp.MustCompile(`^\s*(Error|Messages):\s+(.*)`)
	missingLine = regexp.MustCompile(`^check: .* did not run`)
)

// readLog finds the snapd version the task ran on and the failed checks with their
// testify messages, which say what was expected and what was seen.
func readLog(path string) *logFacts {
	facts := &logFacts{tests: map[string]string{}}
	f, err := os.Open(path)
	if err != nil {
		return facts
	}
	defer f.Close()
	var why []string
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		facts.scan(line)
		if m := versionLine.FindStringSubmatch(line); m != nil {
			facts.snapd = m[1]
		}
		if m := messageLine.FindStringSubmatch(line); m != nil {
			why = append(why, "  "+m[1]+": "+m[2])
		}
		if m := failLine.FindStringSubmatch(line); m != nil {
			why = append(why, m[1])
		}
		if missingLine.MatchString(line) {
			why = append(why, line)
		}
	}
	facts.failures = strings.Join(why, "\n")
	return facts
}

func containsColumn(cols []Column, col Column) bool {
	for _, c := range cols {
		if c == col {
			return true
		}
	}
	return false
}

func (r *Report) sort() {
	r.Rows = r.Rows[:0]
	for row := range r.Cells {
		r.Rows = append(r.Rows, row)
	}
	sort.Strings(r.Rows)
	sort.Slice(r.Columns, func(i, j int) bool {
		a, b := r.Columns[i], r.Columns[j]
		if a.System != b.System {
			return a.System < b.System
		}
		return flavorRank(a.Flavor) < flavorRank(b.Flavor) ||
			flavorRank(a.Flavor) == flavorRank(b.Flavor) && a.Flavor < b.Flavor
	})
	sort.Strings(r.Steps)
}

// flavorRank puts the distribution's snapd first, the one others are judged against.
func flavorRank(flavor string) int {
	if flavor == "stock" {
		return 0
	}
	return 1
}
