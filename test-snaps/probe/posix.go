package main

// The probe must exercise glibc's own shm_open and sem_open, not a Go reimplementation:
// the name-to-path mapping (sem_open("/x") opens /dev/shm/sem.x) and the open flags
// are exactly what AppArmor sees from real applications.

/*
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

// Each helper returns 0 or the errno of the first call that failed, captured before
// any cleanup call can overwrite it.

static int probe_shm_write(const char *name, const char *marker, size_t size) {
	int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
	if (fd < 0)
		return errno;
	if (ftruncate(fd, size) < 0) {
		int err = errno;
		close(fd);
		return err;
	}
	char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int err = mem == MAP_FAILED ? errno : 0;
	close(fd);
	if (err)
		return err;
	memset(mem, 0, size);
	strncpy(mem, marker, size - 1);
	munmap(mem, size);
	return 0;
}

static int probe_shm_read(const char *name, char *out, size_t out_size, long *seg_size) {
	int fd = shm_open(name, O_RDONLY, 0);
	if (fd < 0)
		return errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size == 0) {
		int err = st.st_size == 0 ? ENODATA : errno;
		close(fd);
		return err;
	}
	*seg_size = st.st_size;
	char *mem = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	int err = mem == MAP_FAILED ? errno : 0;
	close(fd);
	if (err)
		return err;
	size_t n = strnlen(mem, st.st_size < out_size ? st.st_size : out_size - 1);
	memcpy(out, mem, n);
	out[n] = 0;
	munmap(mem, st.st_size);
	return 0;
}

static int probe_shm_unlink(const char *name) {
	return shm_unlink(name) < 0 ? errno : 0;
}

// A semaphore only proves anything if it counts, so post then wait and report the
// value seen in between.
static int probe_sem_exercise(const char *name, int create, int *value) {
	sem_t *sem = create ? sem_open(name, O_CREAT, 0600, 0) : sem_open(name, 0);
	if (sem == SEM_FAILED)
		return errno;
	int err = 0;
	if (sem_post(sem) < 0 || sem_getvalue(sem, value) < 0 || sem_wait(sem) < 0)
		err = errno;
	sem_close(sem);
	return err;
}

static int probe_sem_unlink(const char *name) {
	return sem_unlink(name) < 0 ? errno : 0;
}
*/
import "C"

import (
	"syscall"
	"unsafe"
)

// segmentSize is one page: big enough for any marker, small enough to be harmless.
const segmentSize = 4096

func shmWrite(name, marker string) error {
	cName, cMarker := C.CString(name), C.CString(marker)
	defer C.free(unsafe.Pointer(cName))
	defer C.free(unsafe.Pointer(cMarker))
	return errnoOrNil(C.probe_shm_write(cName, cMarker, segmentSize))
}

func shmRead(name string) (marker string, size int64, err error) {
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	buf := (*C.char)(C.malloc(segmentSize))
	defer C.free(unsafe.Pointer(buf))
	var segSize C.long
	if err := errnoOrNil(C.probe_shm_read(cName, buf, segmentSize, &segSize)); err != nil {
		return "", 0, err
	}
	return C.GoString(buf), int64(segSize), nil
}

func shmUnlink(name string) error {
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	return errnoOrNil(C.probe_shm_unlink(cName))
}

func semExercise(name string, create bool) (valueAfterPost int, err error) {
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	var cCreate, value C.int
	if create {
		cCreate = 1
	}
	err = errnoOrNil(C.probe_sem_exercise(cName, cCreate, &value))
	return int(value), err
}

func semUnlink(name string) error {
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	return errnoOrNil(C.probe_sem_unlink(cName))
}

func errnoOrNil(code C.int) error {
	if code == 0 {
		return nil
	}
	return syscall.Errno(code)
}

// strerror gives libc's wording, the same text the Python probe's OSError carries.
func strerror(errno syscall.Errno) string {
	return C.GoString(C.strerror(C.int(errno)))
}
