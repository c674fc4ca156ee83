//go:build !unix

package outfile

import (
	"io/fs"
	"os"
)

func openOtherEnd(name string, flag int) func() { return func() {} }

func keepOwner(f *os.File, st fs.FileInfo) {}
