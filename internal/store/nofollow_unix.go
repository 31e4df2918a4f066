//go:build unix

package store

import "syscall"

// noFollow makes the final open refuse a symbolic link itself, closing the
// gap between openExisting's Lstat and its open.
const noFollow = syscall.O_NOFOLLOW
