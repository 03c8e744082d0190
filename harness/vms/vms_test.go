package vms

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testSpec() Spec {
	return Spec{System: "debian-12-64", Disk: "/img/disk.qcow2", Kernel: "/img/vmlinuz",
		Initrd: "/img/initrd.img", KernelArgs: "root=UUID=x ro", MemoryMB: 1536, CPUs: 2}
}

func argValue(t *testing.T, args []string, flag string) string {
	for i, arg := range args {
		if arg == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	t.Fatalf("no %s in %v", flag, args)
	return ""
}

func TestQemuArgsRestrictNetworkToForwardedSSH(t *testing.T) {
	args := qemuArgs(testSpec(), TCG, "/m/disk.qcow2", 4242, "/logs/s.log", "/m/mon.sock")

	netdev := argValue(t, args, "-netdev")
	assert.Contains(t, netdev, "user,")
	assert.Contains(t, netdev, "restrict=on", "no guest packet may be routed anywhere")
	assert.Contains(t, netdev, "hostfwd=tcp:127.0.0.1:4242-:22", "SSH on loopback only")
	assert.Equal(t, 1, strings.Count(strings.Join(args, " "), "hostfwd"))
	assert.Equal(t, "tcg", argValue(t, args, "-accel"))
	assert.Equal(t, "file:/logs/s.log", argValue(t, args, "-serial"))
	assert.Contains(t, argValue(t, args, "-drive"), "file=/m/disk.qcow2,")
	assert.Equal(t, "/img/vmlinuz", argValue(t, args, "-kernel"))
	assert.NotContains(t, args, "-loadvm")
	assert.NotContains(t, args, "-cpu", "TCG runs its default CPU model")
	assert.Equal(t, "1", argValue(t, args, "-smp"), "one vCPU under TCG")
}

func TestQemuArgsForKVMAndSavedState(t *testing.T) {
	spec := testSpec()
	spec.SavedState = "ready"
	args := qemuArgs(spec, KVM, "/m/disk.qcow2", 1, "s", "m")

	assert.Equal(t, "kvm", argValue(t, args, "-accel"))
	assert.Equal(t, "host", argValue(t, args, "-cpu"))
	assert.Equal(t, "2", argValue(t, args, "-smp"))
	assert.Equal(t, "ready", argValue(t, args, "-loadvm"))
}

func TestQemuArgsWithoutKernelBootFromDisk(t *testing.T) {
	spec := testSpec()
	spec.Kernel = ""
	args := qemuArgs(spec, TCG, "/m/disk.qcow2", 1, "s", "m")
	assert.NotContains(t, args, "-kernel")
	assert.NotContains(t, args, "-append")
}

func TestReservePortNeverHandsOutTheSamePortTwice(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	seen := map[int]bool{}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			port, machineDir, err := ReservePort(dir)
			require.NoError(t, err)
			assert.Equal(t, filepath.Join(dir, strconv.Itoa(port)), machineDir)
			mu.Lock()
			defer mu.Unlock()
			assert.False(t, seen[port], "port %d handed out twice", port)
			seen[port] = true
		}()
	}
	wg.Wait()
	assert.Len(t, seen, 20)
}

func TestReservePortSkipsClaimedPorts(t *testing.T) {
	dir := t.TempDir()
	port, _, err := ReservePort(dir)
	require.NoError(t, err)
	// Claimed but not yet bound by qemu: the port is free to the kernel.
	for i := 0; i < 30; i++ {
		other, _, err := ReservePort(dir)
		require.NoError(t, err)
		assert.NotEqual(t, port, other)
	}
}

func TestDetectAccelHonoursOverrideAndCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SHM_E2E_ACCEL", "tcg")
	accel, err := DetectAccel(t.Context(), "/nonexistent", dir)
	require.NoError(t, err)
	assert.Equal(t, TCG, accel)

	t.Setenv("SHM_E2E_ACCEL", "hvf")
	_, err = DetectAccel(t.Context(), "/nonexistent", dir)
	assert.ErrorContains(t, err, "kvm or tcg")

	t.Setenv("SHM_E2E_ACCEL", "")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "accel"),
		[]byte(hostBootID()+" kvm\n"), 0o644))
	accel, err = DetectAccel(t.Context(), "/nonexistent", dir)
	require.NoError(t, err)
	assert.Equal(t, KVM, accel, "a probe result from this boot is reused")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "accel"),
		[]byte("another-boot kvm\n"), 0o644))
	_, ok := readCachedAccel(filepath.Join(dir, "accel"), hostBootID())
	assert.False(t, ok, "a probe result from another boot is stale")
}

func TestFindRejectsAddressesThatAreNotPorts(t *testing.T) {
	_, err := Launcher{Dir: t.TempDir()}.Find("127.0.0.1:notaport")
	assert.ErrorContains(t, err, "not an address or port")
	_, err = Launcher{Dir: t.TempDir()}.Find("127.0.0.1:4242")
	assert.ErrorContains(t, err, "cannot find machine")
}
