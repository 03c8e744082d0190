// Package hostcmd runs the host-side commands of long build steps (debootstrap, chroot,
// mkfs, qemu-img) with their output in a log file, so that a failure can name the log
// to read instead of flooding the terminal.
package hostcmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// Log is where a step's commands write: a file the error messages name.
type Log struct {
	Path string
	file *os.File
}

// OpenLog creates (or truncates) the log file at path.
func OpenLog(path string) (*Log, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot create log %s: %w", path, err)
	}
	return &Log{Path: path, file: f}, nil
}

// Close closes the log file.
func (l *Log) Close() error { return l.file.Close() }

// Writer returns the log as a writer, for output that does not come from a command.
func (l *Log) Writer() io.Writer { return l.file }

// Run runs a command with its output appended to the log. The error names the command
// and the log, since the cause is in the log and not in the exit status.
func (l *Log) Run(ctx context.Context, name string, args ...string) error {
	return l.RunEnv(ctx, nil, name, args...)
}

// RunEnv is Run with extra environment variables (KEY=VALUE).
func (l *Log) RunEnv(ctx context.Context, env []string, name string, args ...string) error {
	fmt.Fprintf(l.file, "+ %s %s\n", name, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = l.file
	cmd.Stderr = l.file
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cannot run %s: %w (see %s)", name, err, l.Path)
	}
	return nil
}

// Output runs a command and returns its standard output; standard error goes to the log.
func (l *Log) Output(ctx context.Context, name string, args ...string) (string, error) {
	fmt.Fprintf(l.file, "+ %s %s\n", name, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = l.file
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot run %s: %w (see %s)", name, err, l.Path)
	}
	return string(out), nil
}
