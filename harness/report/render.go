package report

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the behaviour-by-column table, then each failure with its reason
// and log, then the snapd version each column ran.
func (r *Report) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := []string{"behaviour"}
	for _, col := range r.Columns {
		header = append(header, col.String())
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range r.Rows {
		line := []string{row}
		for _, col := range r.Columns {
			cell, ok := r.Cells[row][col]
			if !ok {
				line = append(line, "-")
				continue
			}
			line = append(line, cell.Text())
		}
		fmt.Fprintln(tw, strings.Join(line, "\t"))
	}
	tw.Flush()

	fmt.Fprintln(w)
	for _, col := range r.Columns {
		fmt.Fprintf(w, "%s ran snapd %s\n", col, r.snapdOf(col))
	}
	r.writeMachines(w)
	for _, step := range r.Steps {
		fmt.Fprintf(w, "step failed: %s\n", step)
	}
}

// WriteFailures prints every cell that did not pass: what broke, where, why, and the
// log to read.
func (r *Report) WriteFailures(w io.Writer) {
	aborted := map[Column][]string{}
	for _, row := range r.Rows {
		for _, col := range r.Columns {
			cell, ok := r.Cells[row][col]
			if !ok || cell.Verdict == Pass {
				continue
			}
			if cell.Verdict == Aborted {
				aborted[col] = append(aborted[col], row)
				continue
			}
			fmt.Fprintf(w, "%s on %s (snapd %s): %s\n", row, col, orUnknown(cell.Snapd),
				cell.Verdict)
			for _, line := range strings.Split(strings.TrimSpace(cell.Why), "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
			fmt.Fprintf(w, "    log: %s\n", cell.Log)
		}
	}
	r.writeAborted(w, aborted)
}

// writeAborted says once per column which jobs never ran and why: when a machine's
// prepare fails, every job after it is aborted for the same reason.
func (r *Report) writeAborted(w io.Writer, aborted map[Column][]string) {
	for _, col := range r.Columns {
		rows := aborted[col]
		if len(rows) == 0 {
			continue
		}
		row, first := rows[0], r.Cells[rows[0]][col]
		for _, other := range rows { // the job that hit the failure has its log
			if cell := r.Cells[other][col]; cell.Log != "" {
				row, first = other, cell
				break
			}
		}
		fmt.Fprintf(w, "%d jobs on %s ABORTED: %s\n", len(rows), col, strings.Join(rows, ", "))
		fmt.Fprintf(w, "    %s: %s\n", row, strings.TrimSpace(first.Why))
		if message := lastMessage(first.Log); message != "" {
			fmt.Fprintf(w, "    it said: %s\n", message)
		}
		fmt.Fprintf(w, "    log: %s\n", first.Log)
	}
}

// lastMessage is the last line a job's log has that is neither a shell trace nor a
// stage header: usually what the failed script said about why.
func lastMessage(log string) string {
	data, err := os.ReadFile(log)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		line := strings.TrimSpace(lines[i])
		if line != "" && !strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "===") {
			return line
		}
	}
	return ""
}

// Failed reports whether any behaviour failed or was aborted, known gaps included.
func (r *Report) Failed() bool {
	return r.count(Pass, Fixed, Partial, NotApplicable) < r.cells() || len(r.Steps) > 0
}

// Unexpected lists what a release gate must stop on: new failures, aborted jobs, and
// known gaps that now pass (the list must be updated).
func (r *Report) Unexpected() []string {
	var found []string
	for _, row := range r.Rows {
		for _, col := range r.Columns {
			cell, ok := r.Cells[row][col]
			if !ok || cell.Verdict == Pass || cell.Verdict == KnownGap ||
				cell.Verdict == Partial || cell.Verdict == NotApplicable {
				continue
			}
			found = append(found, fmt.Sprintf("%s on %s: %s", row, col, cell.Verdict))
		}
	}
	return append(found, r.Steps...)
}

func (r *Report) snapdOf(col Column) string {
	for _, row := range r.Rows {
		if cell, ok := r.Cells[row][col]; ok && cell.Snapd != "" {
			return cell.Snapd
		}
	}
	return "(unknown: no task reached its checks)"
}

func (r *Report) count(verdicts ...Verdict) int {
	n := 0
	for _, row := range r.Rows {
		for _, cell := range r.Cells[row] {
			for _, v := range verdicts {
				if cell.Verdict == v {
					n++
				}
			}
		}
	}
	return n
}

func (r *Report) cells() int {
	n := 0
	for _, row := range r.Rows {
		n += len(r.Cells[row])
	}
	return n
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// writeMachines says, per column that ran in containers, on what kernel, and what the
// mount namespace id workaround found; and any stale mount profile seen: a result after
// one may not be snapd's.
func (r *Report) writeMachines(w io.Writer) {
	for _, col := range r.Columns {
		var machine, nsid string
		for _, row := range r.Rows {
			cell := r.Cells[row][col]
			machine = firstNonEmpty(machine, cell.Machine)
			nsid = firstNonEmpty(nsid, cell.NSID)
			for _, stale := range cell.Stale {
				fmt.Fprintf(w, "%s: stale mount profile before %s: %s\n", col, row, stale)
			}
		}
		if nsid != "" {
			fmt.Fprintf(w, "%s ran in %s; mount namespace id workaround: %s\n", col, machine,
				nsid)
		}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
