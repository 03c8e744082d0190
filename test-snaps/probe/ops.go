package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// shmDir is where glibc keeps POSIX shared memory and named semaphores.
const shmDir = "/dev/shm"

// An operation runs with its arguments and returns data for the result line.
type operation struct {
	resultOp string
	args     []string
	run      func(args []string) (map[string]string, error)
}

// operations maps each command-line word to what it does; "create", "read" and
// "unlink" are short forms of the shm-* words.
var operations = map[string]operation{
	"shm-create": {"shm-create", []string{"NAME", "MARKER"}, runShmCreate},
	"shm-read":   {"shm-read", []string{"NAME"}, runShmRead},
	"shm-unlink": {"shm-unlink", []string{"NAME"}, runShmUnlink},
	"sem-create": {"sem-create", []string{"NAME"}, runSemCreate},
	"sem-open":   {"sem-open", []string{"NAME"}, runSemOpen},
	"sem-unlink": {"sem-unlink", []string{"NAME"}, runSemUnlink},
	"list":       {"list", nil, runList},
	"subdir":     {"subdir", []string{"DIR"}, runSubdir},
	"stat":       {"stat", []string{"PATH"}, runStat},
	"whoami":     {"whoami", nil, runWhoami},
	"mountinfo":  {"mountinfo", nil, runMountinfo},
}

var shortForms = map[string]string{
	"create": "shm-create",
	"read":   "shm-read",
	"unlink": "shm-unlink",
}

func lookupOperation(word string) (operation, bool) {
	if long, isShort := shortForms[word]; isShort {
		word = long
	}
	op, ok := operations[word]
	return op, ok
}

// nameOf is what a result line's name field holds for an operation.
func nameOf(op operation, args []string) string {
	switch {
	case len(args) > 0:
		return args[0]
	case op.resultOp == "whoami":
		return os.Getenv("SNAP_INSTANCE_NAME")
	default:
		return shmDir
	}
}

func runShmCreate(args []string) (map[string]string, error) {
	name, marker := args[0], args[1]
	if len(marker) >= segmentSize {
		return nil, fmt.Errorf("marker is %d bytes, the limit is %d", len(marker), segmentSize-1)
	}
	if err := shmWrite(name, marker); err != nil {
		return nil, err
	}
	return map[string]string{"path": shmPath(name), "marker": marker}, nil
}

func runShmRead(args []string) (map[string]string, error) {
	marker, size, err := shmRead(args[0])
	if err != nil {
		return nil, err
	}
	data := map[string]string{"path": shmPath(args[0]), "marker": marker}
	data["size"] = strconv.FormatInt(size, 10)
	return data, nil
}

func runShmUnlink(args []string) (map[string]string, error) {
	return map[string]string{"path": shmPath(args[0])}, shmUnlink(args[0])
}

func runSemCreate(args []string) (map[string]string, error) {
	return semResult(args[0], true)
}

func runSemOpen(args []string) (map[string]string, error) {
	return semResult(args[0], false)
}

func semResult(name string, create bool) (map[string]string, error) {
	value, err := semExercise(name, create)
	if err != nil {
		return map[string]string{"path": semPath(name)}, err
	}
	return map[string]string{"path": semPath(name), "value": strconv.Itoa(value)}, nil
}

func runSemUnlink(args []string) (map[string]string, error) {
	return map[string]string{"path": semPath(args[0])}, semUnlink(args[0])
}

// shmPath mirrors glibc, which drops leading slashes and puts the rest in /dev/shm.
func shmPath(name string) string {
	return filepath.Join(shmDir, strings.TrimLeft(name, "/"))
}

// semPath mirrors glibc's "sem." prefix for named semaphores.
func semPath(name string) string {
	return filepath.Join(shmDir, "sem."+strings.TrimLeft(name, "/"))
}

func runList([]string) (map[string]string, error) {
	entries, err := os.ReadDir(shmDir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, entry := range entries {
		names = append(names, entry.Name())
	}
	sort.Strings(names)
	count := strconv.Itoa(len(names))
	return map[string]string{"entries": strings.Join(names, "/"), "count": count}, nil
}

// runSubdir checks that a directory tree can live in /dev/shm, which private shared
// memory allows only from snapd 2.61 on ("/dev/shm/**" instead of "/dev/shm/*").
func runSubdir(args []string) (map[string]string, error) {
	dir := filepath.Join(shmDir, args[0])
	file := filepath.Join(dir, "probe-file")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return map[string]string{"path": dir}, err
	}
	err := os.WriteFile(file, []byte("probe\n"), 0o600)
	return map[string]string{"path": dir, "file": file}, err
}

func runStat(args []string) (map[string]string, error) {
	var st syscall.Stat_t
	if err := syscall.Lstat(args[0], &st); err != nil {
		return nil, err
	}
	return map[string]string{
		"mode": fmt.Sprintf("%04o", st.Mode&0o7777),
		"uid":  strconv.FormatUint(uint64(st.Uid), 10),
		"gid":  strconv.FormatUint(uint64(st.Gid), 10),
		"type": fileType(st.Mode),
	}, nil
}

func fileType(mode uint32) string {
	switch mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		return "dir"
	case syscall.S_IFREG:
		return "file"
	case syscall.S_IFLNK:
		return "symlink"
	default:
		return "other"
	}
}

func runWhoami([]string) (map[string]string, error) {
	return map[string]string{
		"uid":      strconv.Itoa(os.Getuid()),
		"euid":     strconv.Itoa(os.Geteuid()),
		"gid":      strconv.Itoa(os.Getgid()),
		"instance": os.Getenv("SNAP_INSTANCE_NAME"),
		"snap":     os.Getenv("SNAP_NAME"),
	}, nil
}

// runMountinfo reports the mount that is visible at /dev/shm: the last one listed,
// since later mounts stack on earlier ones. Under private shared memory its root is
// /snap.INSTANCE, the bind-mounted directory of the host's /dev/shm.
func runMountinfo([]string) (map[string]string, error) {
	lines, err := mountinfoLinesAt(shmDir)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("nothing is mounted at %s", shmDir)
	}
	top := lines[len(lines)-1]
	data := parseMountinfoLine(top)
	data["line"] = top
	data["count"] = strconv.Itoa(len(lines))
	return data, nil
}

func mountinfoLinesAt(mountPoint string) ([]string, error) {
	file, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer file.Close()
	var lines []string
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) > 4 && fields[4] == mountPoint {
			lines = append(lines, scanner.Text())
		}
	}
	return lines, scanner.Err()
}

// parseMountinfoLine picks root, fstype and source; see proc(5) for the layout, where
// optional fields end with a lone "-".
func parseMountinfoLine(line string) map[string]string {
	fields := strings.Fields(line)
	data := map[string]string{"root": fields[3]}
	for i, field := range fields {
		if field == "-" && i+2 < len(fields) {
			data["fstype"] = fields[i+1]
			data["source"] = fields[i+2]
			break
		}
	}
	return data
}
