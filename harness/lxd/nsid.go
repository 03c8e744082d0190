package lxd

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"
)

// Linux 6.18 hands out mount namespace ids in per-CPU batches, so a namespace made
// later on another CPU can get a smaller id. The kernel refuses to bind-mount a mount
// namespace whose id is not above the current one's (its loop check), which is what
// snap-confine does to preserve a snap's namespace: it then fails with "cannot preserve
// mount namespace ... Invalid argument", at random. Raising every CPU's next id above
// the container's own (PID 1's) namespace once, right after the container starts,
// makes every later namespace in it newer than its root: ids only grow per CPU.

// mntNsInfo is struct mnt_ns_info of <linux/nsfs.h>.
type mntNsInfo struct {
	Size     uint32
	NrMounts uint32
	ID       uint64
}

// nsMntGetInfo is NS_MNT_GET_INFO, _IOR(0xb7, 10, struct mnt_ns_info).
const nsMntGetInfo = 2<<30 | uint64(unsafe.Sizeof(mntNsInfo{}))<<16 | 0xb7<<8 | 10

// maxUnshares bounds the work per CPU; batches are far smaller.
const maxUnshares = 100000

func mountNamespaceID(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info := mntNsInfo{Size: uint32(unsafe.Sizeof(mntNsInfo{}))}
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(nsMntGetInfo),
		uintptr(unsafe.Pointer(&info)))
	if errno != 0 {
		return 0, fmt.Errorf("cannot read the mount namespace id of %s: %w", path, errno)
	}
	return info.ID, nil
}

// cpuBump is what happened on one CPU.
type cpuBump struct {
	CPU      int
	First    uint64 // the id the CPU handed out first
	Last     uint64
	Unshares int
	Err      error
}

// BumpMountNamespaceIDs raises every CPU's next mount namespace id above the id of the
// namespace of pid (a container's init) and says what it found: whether ids were out
// of order (the bug's precondition) and how many namespaces it took.
func BumpMountNamespaceIDs(pid int) (string, error) {
	target, err := mountNamespaceID(fmt.Sprintf("/proc/%d/ns/mnt", pid))
	if err != nil {
		return "", err
	}
	cpus, err := allowedCPUs()
	if err != nil {
		return "", err
	}
	results := make(chan cpuBump, len(cpus))
	for _, cpu := range cpus {
		go func() { results <- bumpOnCPU(cpu, target) }()
	}
	bumps := make([]cpuBump, len(cpus))
	for i := range cpus {
		b := <-results
		if b.Err != nil {
			return "", b.Err
		}
		bumps[i] = b
	}
	return describeBumps(kernelRelease(), target, bumps), nil
}

// bumpOnCPU runs on a thread of its own pinned to one CPU. The thread is never handed
// back to the Go runtime (no UnlockOSThread), so its changed namespace dies with it.
func bumpOnCPU(cpu int, target uint64) cpuBump {
	runtime.LockOSThread()
	b := cpuBump{CPU: cpu}
	if err := pinThread(cpu); err != nil {
		b.Err = err
		return b
	}
	for b.Unshares < maxUnshares && b.Last <= target {
		if err := syscall.Unshare(syscall.CLONE_NEWNS); err != nil {
			b.Err = fmt.Errorf("cannot unshare a mount namespace: %w", err)
			return b
		}
		b.Unshares++
		id, err := mountNamespaceID("/proc/thread-self/ns/mnt")
		if err != nil {
			b.Err = err
			return b
		}
		if b.First == 0 {
			b.First = id
		}
		b.Last = id
	}
	if b.Last <= target {
		b.Err = fmt.Errorf("cannot raise cpu%d's mount namespace id above %d in %d tries",
			cpu, target, maxUnshares)
	}
	return b
}

func describeBumps(kernel string, target uint64, bumps []cpuBump) string {
	var behind []string
	total := 0
	for _, b := range bumps {
		total += b.Unshares
		if b.First <= target {
			behind = append(behind, fmt.Sprintf("cpu%d at %d", b.CPU, b.First))
		}
	}
	found := "no CPU was behind"
	if len(behind) > 0 {
		found = "behind: " + strings.Join(behind, ", ")
	}
	return fmt.Sprintf("kernel %s: raised %d CPUs' next mount namespace id above the "+
		"container's %d (%s; %d namespaces made)", kernel, len(bumps), target, found, total)
}

const cpuSetWords = 16 // 1024 CPUs

func allowedCPUs() ([]int, error) {
	var mask [cpuSetWords]uint64
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0,
		unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
	if errno != 0 {
		return nil, fmt.Errorf("cannot read the CPU affinity: %w", errno)
	}
	var cpus []int
	for cpu := 0; cpu < cpuSetWords*64; cpu++ {
		if mask[cpu/64]&(1<<(cpu%64)) != 0 {
			cpus = append(cpus, cpu)
		}
	}
	return cpus, nil
}

func pinThread(cpu int) error {
	var mask [cpuSetWords]uint64
	mask[cpu/64] = 1 << (cpu % 64)
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0,
		unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
	if errno != 0 {
		return fmt.Errorf("cannot pin a thread to cpu%d: %w", cpu, errno)
	}
	return nil
}

func kernelRelease() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return "unknown"
	}
	var sb strings.Builder
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		sb.WriteByte(byte(c))
	}
	return sb.String()
}
