//go:build vmchecks

package checks

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// privateRule is the AppArmor rule private mode adds: read/write under /dev/shm.
var privateRule = regexp.MustCompile(`^\s*"?/dev/shm/\*{1,2}"? [a-z]*rw[a-z]*,`)

// namedShmRule is any other quoted /dev/shm rule, as the non-private plug emits for its
// named paths.
var namedShmRule = regexp.MustCompile(`^\s*"/dev/shm/[^*"]`)

// Behaviour 9: the generated profiles of a private snap hold the private rule and the
// bind mount, and none of the non-private interface's rules.
func TestPrivateSnapProfiles(t *testing.T) {
	fstab := readFile(t, "/var/lib/snapd/mount/snap.shm-private-a.fstab")
	require.Regexp(t, `(?m)^/dev/shm/snap\.shm-private-a /dev/shm none bind,rw`, fstab,
		"the mount profile must bind /dev/shm/snap.shm-private-a over /dev/shm")

	// snapd writes no AppArmor profile where the kernel has no AppArmor.
	needAppArmorForRest(t, "the AppArmor profile")
	profile := readFile(t, "/var/lib/snapd/apparmor/profiles/snap.shm-private-a.shm-private-a")
	var private, named []string
	for _, line := range strings.Split(profile, "\n") {
		switch {
		case privateRule.MatchString(line):
			private = append(private, strings.TrimSpace(line))
		case namedShmRule.MatchString(line):
			named = append(named, strings.TrimSpace(line))
		}
	}
	require.NotEmpty(t, private, "the AppArmor profile must grant read/write under /dev/shm")
	t.Logf("private rules: %v", private)
	require.Empty(t, named, "a private snap must get none of the named shared-memory rules")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}
