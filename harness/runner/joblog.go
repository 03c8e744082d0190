package runner

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"shm-e2e/harness/progress"
)

// jobDir is <artifacts>/<backend>:<system>/<suite>/<task>[:variant].
func (w *worker) jobDir(job *Job) string {
	name := job.Task.Name
	if job.Variant != "" {
		name += ":" + job.Variant
	}
	return filepath.Join(w.r.opts.Artifacts, job.Backend.Name+":"+job.System.Name, name)
}

func (w *worker) openLog(job *Job, res *JobResult) {
	res.Log = filepath.Join(w.jobDir(job), "output.log")
	w.reopenLog(job)
	w.serialOffset = fileSize(w.m.serial)
}

func (w *worker) reopenLog(job *Job) {
	path := filepath.Join(w.jobDir(job), "output.log")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		progress.Printf("Cannot create log directory for %s: %v", job.Name, err)
		return
	}
	file, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		progress.Printf("Cannot open log of %s: %v", job.Name, err)
		return
	}
	w.log = file
}

func (w *worker) closeLog(job *Job, res *JobResult, start time.Time) {
	res.Duration = time.Since(start)
	w.copySerial(job)
	w.closeLogFile()
}

func (w *worker) closeLogFile() {
	if w.log != nil {
		w.log.Close()
		w.log = nil
	}
}

// record appends a script's output to the job's log and, with -v, to the terminal.
func (w *worker) record(job *Job, label string, outcome scriptOutcome, err error,
	took time.Duration) {
	if res := w.r.results[job]; res != nil {
		res.ScriptTime += outcome.elapsed
	}
	status := "ok"
	if err != nil {
		status = "error: " + err.Error()
	}
	text := fmt.Sprintf("=== %s (%s, %v)\n%s\n", label, status, took.Round(timeRounding),
		strings.TrimRight(outcome.output, "\n"))
	if w.log != nil {
		_, _ = io.WriteString(w.log, text)
	}
	if w.r.opts.Verbose {
		progress.Printf("%s", strings.TrimRight(text, "\n"))
	}
}

// copySerial keeps what the machine's serial log gained while the job ran.
func (w *worker) copySerial(job *Job) {
	if w.m.serial == "" {
		return
	}
	end := fileSize(w.m.serial)
	if end <= w.serialOffset {
		return
	}
	dest := filepath.Join(w.jobDir(job), "serial.log")
	if err := copyRange(w.m.serial, dest, w.serialOffset, end); err != nil {
		progress.Printf("Cannot keep serial log of %s: %v", job.Name, err)
	}
}

func fileSize(path string) int64 {
	if path == "" {
		return 0
	}
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

func copyRange(src, dest string, from, to int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dest, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	_, err = io.Copy(out, io.NewSectionReader(in, from, to-from))
	return err
}
