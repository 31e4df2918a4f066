package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options configure a private cluster.
type Options struct {
	// Fast turns off fsync and synchronous commit: for tests, not figures.
	Fast bool
	// BinDir holds initdb and postgres (default: the newest
	// /usr/lib/postgresql/*/bin, else $PATH).
	BinDir string
}

// Cluster is a private PostgreSQL cluster in a temporary directory.
type Cluster struct {
	dir  string
	cmd  *exec.Cmd
	done chan error
	// what starts the server again after Halt (restart.go)
	bin  string
	cred *syscall.Credential
	args []string
}

// Start initialises and starts a cluster listening on a unix socket in its
// directory (no TCP), with trust authentication for the role postgres:
// only who can enter the 0700 directory can connect.
func Start(o Options) (*Cluster, error) {
	bin, err := binDir(o.BinDir)
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "approov-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir}
	if err := c.init(bin, cred, o); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

func (c *Cluster) init(bin string, cred *syscall.Credential, o Options) error {
	if cred != nil {
		if err := os.Chown(c.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return err
		}
	}
	data := filepath.Join(c.dir, "data")
	initdb := command(cred, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v: %s", err, tail(out))
	}
	args := []string{"-D", data, "-k", c.dir, "-c", "listen_addresses=", "-c", "max_connections=200"}
	if o.Fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	c.bin, c.cred, c.args = bin, cred, args
	return c.serve()
}

// serve starts the server on the initialised data directory and waits
// until it accepts connections.
func (c *Cluster) serve() error {
	log, err := os.OpenFile(filepath.Join(c.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	c.cmd = command(c.cred, filepath.Join(c.bin, "postgres"), c.args...)
	c.cmd.Stdout, c.cmd.Stderr = log, log
	if err := c.cmd.Start(); err != nil {
		return err
	}
	c.done = make(chan error, 1)
	go func() { c.done <- c.cmd.Wait() }()
	if err := c.ready(); err != nil {
		c.Halt(false)
		return err
	}
	return nil
}

// command runs as cred's user (nil: as this process), and dies with it.
func command(cred *syscall.Credential, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	cmd.Env = []string{"LC_ALL=C", "PATH=/usr/bin:/bin"}
	return cmd
}

// ready waits up to 30 s for the server to accept connections.
func (c *Cluster) ready() error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case werr := <-c.done:
			c.done <- werr
			return fmt.Errorf("postgres exited (%v): %s", werr, c.log())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready after 30 s: %v: %s", err, c.log())
		}
	}
}

func (c *Cluster) log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
	return tail(b)
}

func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}

// URL is the URL of database db as the role postgres.
func (c *Cluster) URL(db string) string {
	q := url.Values{"host": {c.dir}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Host: "", Path: "/" + db, RawQuery: q.Encode()}).String()
}

// Stop shuts the server down (fast shutdown: sessions are ended) and
// removes its directory.
func (c *Cluster) Stop() {
	c.Halt(false)
	os.RemoveAll(c.dir)
}

// binDir finds the directory of initdb and postgres.
func binDir(dir string) (string, error) {
	if dir == "" {
		found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
		sort.Slice(found, func(i, j int) bool { return version(found[i]) > version(found[j]) })
		if len(found) > 0 {
			dir = filepath.Dir(found[0])
		} else if p, err := exec.LookPath("initdb"); err == nil {
			dir = filepath.Dir(p)
		}
	}
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); dir == "" || err != nil {
			return "", errors.New("no initdb and postgres found (install the Debian package postgresql, or set " + EnvURL + ")")
		}
	}
	return dir, nil
}

func version(bin string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(bin))))
	return n
}

// credential is the postgres user's when running as root (PostgreSQL
// refuses to run as root), else nil.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs the postgres user to run PostgreSQL as: %v", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
