package report

import (
	"fmt"
	"regexp"
	"strings"
)

// Verdicts of machines that cannot show everything (containers: no AppArmor here).
// Neither is ever counted as a pass of what did not run.
const (
	// NotApplicable: every check of the task needs what the machine lacks.
	NotApplicable Verdict = "N/A"
	// Partial: what could run passed; the rest needs what the machine lacks.
	Partial Verdict = "PASS (partial)"
	// HostKernel: the host's kernel broke the run (a container shares it), not snapd.
	HostKernel Verdict = "FAIL (host kernel)"
)

// Text is the cell as the table shows it: N/A and partial passes say what was missing.
func (c Cell) Text() string {
	switch c.Verdict {
	case NotApplicable:
		return "N/A (" + c.Note + ")"
	case Partial:
		return "PASS (partial: " + c.Note + ")"
	}
	return string(c.Verdict)
}

// skip is one check, or the rest of one, that the machine could not run.
type skip struct {
	Need, Scope, Why string
}

// logFacts is what a task's log says beyond pass or fail.
type logFacts struct {
	snapd, failures string
	machine         string            // "lxc kernel 6.18.44", from tests/lib/bin/check
	nsid            string            // the namespace-id workaround's report
	hostKernel      string            // snap-confine hit the kernel's namespace id bug
	stale           []string          // stale mount profiles seen before the checks
	tests           map[string]string // top-level check -> PASS, FAIL or SKIP
	skips           []skip
}

var (
	resultLine     = regexp.MustCompile(`^--- (PASS|FAIL|SKIP): (\S+)`)
	skipLine       = regexp.MustCompile(`N/A \(([\w-]+), (all|rest)\): (.*)`)
	machineLine    = regexp.MustCompile(`^MACHINE (.*)`)
	nsidLine       = regexp.MustCompile(`^NSID-WORKAROUND (.*)`)
	hostKernelLine = regexp.MustCompile(`^HOST-KERNEL-NSID (.*)`)
	staleLine      = regexp.MustCompile(`^STALE-NS-FSTAB (.*)`)
)

// scanFacts reads one line into the facts.
func (f *logFacts) scan(line string) {
	if m := resultLine.FindStringSubmatch(line); m != nil {
		f.tests[m[2]] = m[1]
	}
	if m := skipLine.FindStringSubmatch(line); m != nil {
		f.skips = append(f.skips, skip{Need: m[1], Scope: m[2], Why: m[3]})
	}
	for re, field := range map[*regexp.Regexp]*string{machineLine: &f.machine,
		nsidLine: &f.nsid, hostKernelLine: &f.hostKernel} {
		if m := re.FindStringSubmatch(line); m != nil {
			*field = m[1]
		}
	}
	if m := staleLine.FindStringSubmatch(line); m != nil {
		f.stale = append(f.stale, m[1])
	}
}

// inContainer reports whether the machine shares the host's kernel.
func (f *logFacts) inContainer() bool {
	kind := strings.Fields(f.machine + " unknown")[0]
	switch kind {
	case "lxc", "lxc-libvirt", "docker", "podman", "systemd-nspawn", "openvz":
		return true
	}
	return false
}

// applicability judges a passed job that skipped checks: N/A when nothing ran, partial
// when something did. ok is false when nothing was skipped.
func (f *logFacts) applicability() (Verdict, string, string, bool) {
	if len(f.skips) == 0 {
		return "", "", "", false
	}
	ran := false
	for _, s := range f.skips {
		ran = ran || s.Scope == "rest"
	}
	for _, result := range f.tests {
		ran = ran || result == "PASS"
	}
	var needs, why []string
	for _, s := range f.skips {
		if !contains(needs, s.Need) {
			needs = append(needs, s.Need)
		}
		why = append(why, fmt.Sprintf("not run (%s): %s", s.Scope, s.Why))
	}
	note := "no " + strings.Join(needs, ", no ")
	note = strings.ReplaceAll(note, "no apparmor", "no AppArmor")
	if ran {
		return Partial, note, strings.Join(why, "\n"), true
	}
	return NotApplicable, note, strings.Join(why, "\n"), true
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}
