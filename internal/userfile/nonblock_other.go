//go:build !unix

package userfile

// nonBlock: Windows has no FIFOs that open could block on.
const nonBlock = 0
