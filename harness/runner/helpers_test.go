package runner

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

func commandOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	return string(out), err
}

func waitForFile(path, text string) {
	for i := 0; i < 300; i++ {
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), text) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
