// Command probe exercises POSIX shared memory and named semaphores through glibc from
// inside a test snap, printing one harness/probe result line per operation.
//
// Usage: probe OP [ARGS] [OP [ARGS]]...
//
// It exits 0 when every operation succeeded, 1 when any failed and 2 on a usage
// error, in which case nothing has run.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"shm-e2e/harness/probe"
)

// step is one operation with the arguments it takes from the command line.
type step struct {
	op   operation
	args []string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	steps, err := parseSteps(args)
	if err != nil {
		fmt.Fprintf(stderr, "probe: %v\n%s", err, usage())
		return 2
	}

	exitCode := 0
	for _, s := range steps {
		result := execute(s)
		fmt.Fprintln(stdout, probe.Format(result))
		if !result.OK() {
			exitCode = 1
		}
	}
	return exitCode
}

// parseSteps checks the whole chain before anything runs, so that a typo never leaves
// half a scenario behind in /dev/shm.
func parseSteps(args []string) ([]step, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("no operation given")
	}
	var steps []step
	for len(args) > 0 {
		op, known := lookupOperation(args[0])
		if !known {
			return nil, fmt.Errorf("unknown operation %q", args[0])
		}
		if len(args)-1 < len(op.args) {
			return nil, fmt.Errorf("operation %q needs %s", args[0], strings.Join(op.args, " "))
		}
		steps = append(steps, step{op: op, args: args[1 : 1+len(op.args)]})
		args = args[1+len(op.args):]
	}
	return steps, nil
}

func execute(s step) probe.Result {
	result := probe.Result{Op: s.op.resultOp, Name: nameOf(s.op, s.args), Status: probe.StatusOK}
	data, err := s.op.run(s.args)
	if data == nil {
		data = map[string]string{}
	}
	if err != nil {
		result.Status, data["error"] = failure(err)
	}
	result.Data = data
	return result
}

func usage() string {
	var b strings.Builder
	b.WriteString("usage: probe OP [ARGS] [OP [ARGS]]...\noperations:\n")
	words := make([]string, 0, len(operations))
	for word := range operations {
		words = append(words, word)
	}
	sort.Strings(words)
	for _, word := range words {
		line := strings.TrimSpace(word + " " + strings.Join(operations[word].args, " "))
		fmt.Fprintf(&b, "  %s\n", line)
	}
	b.WriteString("  (create, read and unlink are short for shm-create, shm-read, shm-unlink)\n")
	return b.String()
}
