//go:build vmchecks

package checks

import (
	"os"
	"strings"
	"testing"
)

// A check that needs what a machine kind cannot provide (AppArmor, in containers on a
// host without it) skips the assertions that need it, with a line the report reads:
//
//	N/A (apparmor, all): ...   nothing of the check ran
//	N/A (apparmor, rest): ...  the assertions before it ran and passed
//
// It skips only when the task declared the need (NEEDS), the backend declared the lack
// (LACKS; tests/lib/bin/check passes what both name as SHM_E2E_LACKING) and the machine
// confirms it: a VM whose AppArmor is off still fails, as it must.

// needAppArmor skips a check that is about AppArmor's enforcement from its start.
func needAppArmor(t *testing.T, what string) {
	t.Helper()
	needAppArmorScope(t, "all", what)
}

// needAppArmorForRest skips what is left of a check: the assertions that only
// AppArmor's enforcement makes true. What ran before it stands.
func needAppArmorForRest(t *testing.T, what string) {
	t.Helper()
	needAppArmorScope(t, "rest", what)
}

func needAppArmorScope(t *testing.T, scope, what string) {
	t.Helper()
	if !lacking("apparmor") || appArmorEnabled() {
		return
	}
	t.Skipf("N/A (apparmor, %s): %s needs AppArmor, which this machine does not enforce "+
		"(%s)", scope, what, machineKind())
}

func lacking(need string) bool {
	for _, lack := range strings.Fields(os.Getenv("SHM_E2E_LACKING")) {
		if lack == need {
			return true
		}
	}
	return false
}

func appArmorEnabled() bool {
	data, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	return err == nil && strings.TrimSpace(string(data)) == "Y"
}

// machineKind says why: a container on a kernel without AppArmor.
func machineKind() string {
	kind, _ := sh("systemd-detect-virt 2>/dev/null")
	kernel, _ := sh("uname -r")
	return strings.TrimSpace(kind) + " on kernel " + strings.TrimSpace(kernel) +
		", no AppArmor in it"
}
