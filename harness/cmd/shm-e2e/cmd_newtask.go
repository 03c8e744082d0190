package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

func init() {
	register("new-task", "scaffold tests/main/NAME and its failing Go check, for a bug report",
		runNewTask)
}

var taskName = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

func runNewTask(args []string) error {
	if len(args) < 1 || len(args) > 2 || strings.HasPrefix(args[0], "-") {
		return usageError{errors.New(`usage: shm-e2e new-task NAME ["one-line summary"]` +
			"\n(NAME: lower-case words joined by '-', e.g. nested-shm-dirs)")}
	}
	name := args[0]
	if !taskName.MatchString(name) {
		return usageError{fmt.Errorf("task name %q: use lower-case words joined by '-'", name)}
	}
	summary := "TODO: one line saying what must hold"
	if len(args) == 2 {
		summary = args[1]
	}
	task := scaffold{Name: name, Summary: summary, Test: "Test" + camel(name)}

	taskFile := filepath.Join("tests", "main", name, "task.yaml")
	checkFile := filepath.Join("harness", "checks", strings.ReplaceAll(name, "-", "_")+"_test.go")
	for _, file := range []string{taskFile, checkFile} {
		if _, err := os.Stat(file); err == nil {
			return fmt.Errorf("cannot scaffold %s: %s already exists", name, file)
		}
	}
	if err := writeTemplate(taskFile, taskTemplate, task); err != nil {
		return err
	}
	if err := writeTemplate(checkFile, checkTemplate, task); err != nil {
		return err
	}
	fmt.Printf("Created %s and %s.\nThe check fails until you write it; run it with:\n"+
		"  .build/bin/shm-e2e e2e -system debian-12-64 tests/main/%s\n",
		taskFile, checkFile, name)
	return nil
}

type scaffold struct{ Name, Summary, Test string }

func camel(name string) string {
	var sb strings.Builder
	for _, word := range strings.Split(name, "-") {
		sb.WriteString(strings.ToUpper(word[:1]) + word[1:])
	}
	return sb.String()
}

func writeTemplate(file, text string, data scaffold) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	var sb strings.Builder
	if err := template.Must(template.New(file).Parse(text)).Execute(&sb, data); err != nil {
		return err
	}
	return os.WriteFile(file, []byte(sb.String()), 0o644)
}

const taskTemplate = `summary: {{.Summary}}

details: |
    TODO: why this behaviour matters, and the bug report it comes from. Say which snapd
    versions are expected to do what if they differ on purpose.

# What only AppArmor enforces is not applicable on the container backend: keep this
# when the check's outcome depends on AppArmor (mark those assertions in the check).
environment:
    NEEDS: apparmor

prepare: |
    # Install the test snaps the check needs (built from test-snaps/).
    install-test-snaps shm-private-a

execute: |
    check {{.Test}}

restore: |
    # Leave the machine as it was: leftover-check runs after every task.
    remove-test-snaps shm-private-a
`

const checkTemplate = `//go:build vmchecks

package checks

import "testing"

// {{.Test}} asserts: {{.Summary}}
// Helpers: runProbe (run a snap's probe, as root or a user), probeRun.requireOK and
// requireFailure, statHost, requirePrivateDir, devShmMountRoot, connections, mustSh.
func {{.Test}}(t *testing.T) {
	t.Fatal("not written yet: assert the behaviour of tests/main/{{.Name}}")
}
`
