package runner

import (
	"fmt"
	"sort"
	"strings"

	"shm-e2e/harness/progress"
)

// printSummary prints spread's closing lines, plus the runner's overhead per job.
func printSummary(result *Result) {
	progress.Printf("Successful tasks: %d", result.Count(Passed))
	progress.Printf("Aborted tasks: %d", result.Count(Aborted))
	printNames("Failed tasks", failedJobs(result, "execute"))
	printNames("Failed task prepare", failedJobs(result, "prepare"))
	printNames("Failed task restore", failedJobs(result, "restore"))
	for _, level := range []string{"suite", "backend", "project"} {
		for _, stage := range []string{"prepare", "restore"} {
			printNames(fmt.Sprintf("Failed %s %s", level, stage), failedSteps(result, level, stage))
		}
	}
	if overhead := result.Overhead(); overhead > 0 {
		progress.Printf("Runner overhead: %v per task (time outside the task's scripts)",
			overhead.Round(timeRounding))
	}
}

func failedJobs(result *Result, stage string) []string {
	var names []string
	for _, job := range result.Jobs {
		if job.Status == Failed && job.Stage == stage {
			names = append(names, job.Backend+":"+job.System+":"+taskLabel(job))
		}
	}
	return names
}

func failedSteps(result *Result, level, stage string) []string {
	var names []string
	for _, step := range result.Steps {
		if step.Level == level && step.Stage == stage {
			names = append(names, step.Name)
		}
	}
	return names
}

func taskLabel(job JobResult) string {
	if job.Variant == "" {
		return job.Task
	}
	return job.Task + ":" + job.Variant
}

func printNames(title string, names []string) {
	if len(names) == 0 {
		return
	}
	sort.Strings(names)
	const dash = "\n    - "
	progress.Printf("%s: %d%s%s", title, len(names), dash, strings.Join(names, dash))
}
