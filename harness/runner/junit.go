package runner

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes one test suite per backend:system, one case per job; failed jobs
// are failures and aborted jobs errors, both carrying the last lines of output.
func writeJUnit(path string, result *Result) error {
	bySystem := map[string]*junitSuite{}
	for _, job := range result.Jobs {
		key := job.Backend + ":" + job.System
		if bySystem[key] == nil {
			bySystem[key] = &junitSuite{Name: key}
		}
		addJUnitCase(bySystem[key], job)
	}

	var doc junitSuites
	for _, key := range sortedKeys(bySystem) {
		doc.Suites = append(doc.Suites, *bySystem[key])
	}
	data, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode junit report: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot write junit report: %v", err)
	}
	if err := os.WriteFile(path, append([]byte(xml.Header), data...), 0o644); err != nil {
		return fmt.Errorf("cannot write junit report: %v", err)
	}
	return nil
}

func addJUnitCase(suite *junitSuite, job JobResult) {
	tc := junitCase{
		Name:      taskLabel(job),
		ClassName: job.Backend + ":" + job.System + ":" + job.Suite,
		Time:      fmt.Sprintf("%.3f", job.Duration.Seconds()),
	}
	problem := &junitProblem{
		Message: job.Stage + ": " + job.Message,
		Type:    job.Stage,
		Text:    strings.Join(job.Tail, "\n"),
	}
	switch job.Status {
	case Failed:
		tc.Failure = problem
		suite.Failures++
	case Aborted:
		tc.Error = problem
		suite.Errors++
	}
	if job.Log != "" {
		tc.SystemOut = "output: " + job.Log
	}
	suite.Tests++
	suite.Cases = append(suite.Cases, tc)
	sort.SliceStable(suite.Cases, func(i, j int) bool {
		return suite.Cases[i].Name < suite.Cases[j].Name
	})
	suite.Time = fmt.Sprintf("%.3f", sumTime(suite.Cases))
}

func sumTime(cases []junitCase) float64 {
	var total float64
	for _, tc := range cases {
		var t float64
		fmt.Sscanf(tc.Time, "%f", &t)
		total += t
	}
	return total
}
