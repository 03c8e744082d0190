package main

import (
	"errors"
	"fmt"
	"syscall"

	"shm-e2e/harness/probe"
)

// errnoNames covers what shared memory calls can fail with under a sandbox; the names
// match Python's errno.errorcode so both probes report a failure the same way.
var errnoNames = map[syscall.Errno]string{
	syscall.EPERM:        "EPERM",
	syscall.ENOENT:       "ENOENT",
	syscall.EINTR:        "EINTR",
	syscall.EIO:          "EIO",
	syscall.EBADF:        "EBADF",
	syscall.EAGAIN:       "EAGAIN",
	syscall.ENOMEM:       "ENOMEM",
	syscall.EACCES:       "EACCES",
	syscall.EFAULT:       "EFAULT",
	syscall.EBUSY:        "EBUSY",
	syscall.EEXIST:       "EEXIST",
	syscall.EXDEV:        "EXDEV",
	syscall.ENODEV:       "ENODEV",
	syscall.ENOTDIR:      "ENOTDIR",
	syscall.EISDIR:       "EISDIR",
	syscall.EINVAL:       "EINVAL",
	syscall.ENFILE:       "ENFILE",
	syscall.EMFILE:       "EMFILE",
	syscall.EFBIG:        "EFBIG",
	syscall.ENOSPC:       "ENOSPC",
	syscall.EROFS:        "EROFS",
	syscall.EMLINK:       "EMLINK",
	syscall.ENAMETOOLONG: "ENAMETOOLONG",
	syscall.ENOSYS:       "ENOSYS",
	syscall.ENOTEMPTY:    "ENOTEMPTY",
	syscall.ELOOP:        "ELOOP",
	syscall.ENODATA:      "ENODATA",
	syscall.EOVERFLOW:    "EOVERFLOW",
	syscall.EOPNOTSUPP:   "EOPNOTSUPP",
}

// failure turns err into a result status and an error message for the data fields.
func failure(err error) (status, message string) {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return probe.StatusError, err.Error()
	}
	if name, known := errnoNames[errno]; known {
		return name, strerror(errno)
	}
	return fmt.Sprintf("ERRNO%d", int(errno)), strerror(errno)
}
