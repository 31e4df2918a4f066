package pgtest

import (
	"syscall"
	"time"
)

// Halt stops the server as an operator's restart or a crash would, keeping
// its data: Immediate kills it (SIGQUIT: no checkpoint, crash recovery at
// the next start), otherwise a fast shutdown (SIGINT: sessions are ended,
// transactions in flight rolled back). Fault tests use it with Resume.
func (c *Cluster) Halt(immediate bool) {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	sig := syscall.SIGINT
	if immediate {
		sig = syscall.SIGQUIT
	}
	c.cmd.Process.Signal(sig)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
	}
	c.cmd = nil
}

// Resume starts a halted server again on its data and waits until it
// accepts connections (at the same socket, so URLs stay valid).
func (c *Cluster) Resume() error {
	if c.cmd != nil {
		return nil
	}
	return c.serve()
}
