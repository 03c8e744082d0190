// Package progress prints what the harness is doing and how long each step took.
// Image builds and VM boots take minutes, so every long step announces itself when it
// starts and reports its duration when it ends.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

var (
	mu  sync.Mutex
	out io.Writer = os.Stderr
)

// SetOutput sends progress lines to w (tests use a buffer).
func SetOutput(w io.Writer) {
	mu.Lock()
	defer mu.Unlock()
	out = w
}

// Printf prints one timestamped progress line.
func Printf(format string, args ...any) {
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintf(out, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// Step announces a step and returns a function that reports how it ended and how long
// it took. Use it as: done := progress.Step("Building %s", name); err := ...; done(err).
// A failure's cause is left to the error the caller returns, so that it is said once.
func Step(format string, args ...any) func(error) {
	what := fmt.Sprintf(format, args...)
	start := time.Now()
	Printf("%s...", what)
	return func(err error) {
		took := time.Since(start).Round(100 * time.Millisecond)
		if err != nil {
			Printf("%s failed after %s", what, took)
			return
		}
		Printf("%s done (%s)", what, took)
	}
}
