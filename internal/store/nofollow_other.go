//go:build !unix

package store

// noFollow: no such open flag here; openExisting's Lstat refuses links.
const noFollow = 0
