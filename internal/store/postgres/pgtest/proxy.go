package pgtest

import (
	"errors"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy is a TCP proxy on loopback in front of a database, for fault
// tests: Freeze stops it passing bytes while connections stay open (a
// network partition: the database seems to stop answering), Thaw resumes,
// Drop closes every connection (what clients see of a restarted server).
type Proxy struct {
	ln     net.Listener
	target func() (net.Conn, error)
	url    string
	frozen atomic.Bool
	mu     sync.Mutex
	conns  map[net.Conn]bool
}

// NewProxy starts a proxy to the database dbURL names (a pgtest URL, on a
// unix socket, or host:port); Close stops it.
func NewProxy(dbURL string) (*Proxy, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: dialer(u), conns: map[net.Conn]bool{}}
	q := u.Query()
	q.Del("host")
	q.Del("port")
	pu := *u
	pu.Host, pu.RawQuery = ln.Addr().String(), q.Encode()
	p.url = pu.String()
	go p.serve()
	return p, nil
}

func dialer(u *url.URL) func() (net.Conn, error) {
	host, port := u.Query().Get("host"), u.Query().Get("port")
	if port == "" {
		port = "5432"
	}
	if filepath.IsAbs(host) {
		path := filepath.Join(host, ".s.PGSQL."+port)
		return func() (net.Conn, error) { return net.Dial("unix", path) }
	}
	addr := u.Host
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, port)
	}
	return func() (net.Conn, error) { return net.Dial("tcp", addr) }
}

// URL is the database's URL through the proxy.
func (p *Proxy) URL() string { return p.url }

// Freeze stops passing bytes; Thaw passes them again.
func (p *Proxy) Freeze() { p.frozen.Store(true) }

// Thaw undoes Freeze.
func (p *Proxy) Thaw() { p.frozen.Store(false) }

// Drop closes every connection through the proxy; new ones are accepted.
func (p *Proxy) Drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Close stops the proxy and drops its connections.
func (p *Proxy) Close() {
	p.ln.Close()
	p.Drop()
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		go p.pipe(c)
	}
}

func (p *Proxy) pipe(c net.Conn) {
	t, err := p.target()
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[t] = true, true
	p.mu.Unlock()
	go p.copy(t, c)
	p.copy(c, t)
}

// copy passes bytes from src to dst, holding them while frozen.
func (p *Proxy) copy(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for p.frozen.Load() {
			time.Sleep(10 * time.Millisecond)
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Port is the proxy's TCP port.
func (p *Proxy) Port() int {
	_, port, _ := net.SplitHostPort(p.ln.Addr().String())
	n, _ := strconv.Atoi(port)
	return n
}
