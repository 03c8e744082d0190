package images

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func commandOutput(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return string(out), nil
}

// DefaultMirror is $SHM_E2E_MIRROR, or the first Debian archive apt is configured
// with, so that images come from the same place as the host's packages.
func DefaultMirror() (string, error) {
	if mirror := os.Getenv("SHM_E2E_MIRROR"); mirror != "" {
		return mirror, nil
	}
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	files = append(files, "/etc/apt/sources.list")
	files = append(files, mustGlob("/etc/apt/sources.list.d/*.list")...)
	for _, file := range files {
		if uri := debianURI(file); uri != "" {
			return uri, nil
		}
	}
	return "", fmt.Errorf("no Debian archive found in apt's sources; set SHM_E2E_MIRROR")
}

func mustGlob(pattern string) []string {
	matches, _ := filepath.Glob(pattern)
	return matches
}

// debianURI returns the first archive URI of file (one-line or deb822 format) that
// serves the main Debian archive, not security updates or a third-party repository.
func debianURI(file string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		var uri string
		switch {
		case len(fields) >= 2 && fields[0] == "URIs:":
			uri = fields[1]
		case len(fields) >= 3 && fields[0] == "deb":
			uri = fields[1]
			if strings.HasPrefix(uri, "[") {
				uri = fields[2]
			}
		}
		if strings.HasSuffix(strings.TrimSuffix(uri, "/"), "/debian") {
			return strings.TrimSuffix(uri, "/")
		}
	}
	return ""
}
