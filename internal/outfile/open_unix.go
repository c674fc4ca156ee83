//go:build unix

package outfile

import (
	"io/fs"
	"os"
	"syscall"
	"time"
)

// openOtherEnd opens, without blocking, the other end of the FIFO name that
// an open with flag waits on, and returns the func that closes it.
func openOtherEnd(name string, flag int) func() {
	st, err := os.Stat(name)
	if err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		return func() {}
	}
	other := os.O_RDONLY
	if flag&(os.O_WRONLY|os.O_RDWR) == 0 {
		other = os.O_WRONLY // a reader waits for a writer
	}
	// Opening the write end without blocking fails (ENXIO) until the
	// waiting reader is in the kernel: try for a little while.
	for range 20 {
		fd, err := syscall.Open(name, other|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err == nil {
			return func() { syscall.Close(fd) }
		}
		time.Sleep(5 * time.Millisecond)
	}
	return func() {}
}

// keepOwner gives f the owner and group of the file st describes, where the
// writer may (root, or a group it belongs to); it does nothing otherwise.
func keepOwner(f *os.File, st fs.FileInfo) {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	if int(s.Uid) != os.Getuid() || int(s.Gid) != os.Getgid() {
		f.Chown(int(s.Uid), int(s.Gid))
	}
}
