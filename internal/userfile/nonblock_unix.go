//go:build unix

package userfile

import "syscall"

// nonBlock makes open return at once on a FIFO with no writer; reads of a
// regular file ignore it.
const nonBlock = syscall.O_NONBLOCK
