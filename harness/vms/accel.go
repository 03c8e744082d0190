package vms

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"shm-e2e/harness/progress"
)

// kvmProbeTimeout bounds the KVM probe. Under working KVM the kernel prints its banner
// in well under a second, under TCG in about three; on the hosts where KVM guests hang
// it never does.
const kvmProbeTimeout = 15 * time.Second

// DetectAccel says which accelerator to use. $SHM_E2E_ACCEL (kvm or tcg) overrides the
// probe. Otherwise KVM is used only when /dev/kvm opens and a probe guest running the
// given kernel really prints its banner: on some hosts /dev/kvm exists but guests
// hang. The answer is kept in stateDir for the host's current boot.
func DetectAccel(ctx context.Context, kernel, stateDir string) (Accel, error) {
	switch forced := Accel(os.Getenv("SHM_E2E_ACCEL")); forced {
	case KVM, TCG:
		return forced, nil
	case "":
	default:
		return "", fmt.Errorf("SHM_E2E_ACCEL must be kvm or tcg, not %q", forced)
	}

	cacheFile := filepath.Join(stateDir, "accel")
	bootID := hostBootID()
	if cached, ok := readCachedAccel(cacheFile, bootID); ok {
		return cached, nil
	}
	accel := TCG
	if kvmUsable() {
		done := progress.Step("Probing whether KVM guests run on this host")
		if probeKVM(ctx, kernel, stateDir) {
			accel = KVM
		}
		done(nil)
	}
	progress.Printf("Using the %s accelerator", accel)
	os.MkdirAll(stateDir, 0o755)
	os.WriteFile(cacheFile, []byte(bootID+" "+string(accel)+"\n"), 0o644)
	return accel, nil
}

func kvmUsable() bool {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// probeKVM boots the kernel under KVM with no disk and watches the serial console
// for the kernel's banner.
func probeKVM(ctx context.Context, kernel, stateDir string) bool {
	serial := filepath.Join(stateDir, "kvm-probe.serial.log")
	os.MkdirAll(stateDir, 0o755)
	os.Remove(serial)
	ctx, cancel := context.WithTimeout(ctx, kvmProbeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", "-accel", "kvm", "-m", "256",
		"-nodefaults", "-display", "none", "-no-reboot", "-serial", "file:"+serial,
		"-kernel", kernel, "-append", "console=ttyS0 panic=-1")
	if err := cmd.Start(); err != nil {
		return false
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	for ctx.Err() == nil {
		data, _ := os.ReadFile(serial)
		if strings.Contains(string(data), "Linux version") {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}

func hostBootID() string {
	data, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(data))
}

func readCachedAccel(path, bootID string) (Accel, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	fields := strings.Fields(string(data))
	if len(fields) != 2 || fields[0] != bootID {
		return "", false
	}
	return Accel(fields[1]), Accel(fields[1]) == KVM || Accel(fields[1]) == TCG
}
