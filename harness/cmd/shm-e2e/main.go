// Command shm-e2e builds the images and snaps the suite needs, starts and stops its VMs,
// and runs the spread suite where spread itself is not installed.
package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
)

// A command is one subcommand of shm-e2e. Each lives in its own cmd_*.go file and
// registers itself in init, so that adding one touches no shared file.
type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "help" {
		usage()
		os.Exit(2)
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "shm-e2e: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err := cmd.run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "shm-e2e %s: %v\n", os.Args[1], err)
		os.Exit(exitCode(err))
	}
}

// exitCode lets a command choose its status (the runner exits 1 on a failed task and
// 2 on bad input) by returning an error that carries one.
func exitCode(err error) int {
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	return 1
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: shm-e2e COMMAND [ARGS]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(os.Stderr, "  %-12s %s\n", name, commands[name].summary)
	}
}
