// Package bufferedfile writes a file through a buffer, for the commands and
// example programs that write their artefacts that way.
package bufferedfile

import (
	"bufio"
	"io"
	"os"
)

// Write creates path and hands write a buffered writer on it. The file is
// flushed and closed, and the first error of write, the flush or the close
// is returned.
func Write(path string, write func(w io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
