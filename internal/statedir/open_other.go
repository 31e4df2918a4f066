//go:build !unix

package statedir

import "os"

// noFollow: no O_NOFOLLOW here; files are checked with Lstat before opening.
const noFollow = 0

// modeChecked: on Windows the profile's ACL protects the directory instead
// of POSIX modes.
const modeChecked = false

func checkOwner(string, os.FileInfo) error { return nil }
