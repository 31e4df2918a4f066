package pgtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
)

// Standby makes a streaming standby of c, as a DBA does: pg_basebackup
// of the running primary (-R writes the connection to it and
// standby.signal) into a new temporary directory, started as a hot
// standby on a unix socket there. It is read-only until Promote. The
// primary's defaults allow it (wal_level replica, max_wal_senders 10,
// initdb's "local replication all trust").
func (c *Cluster) Standby() (*Cluster, error) {
	dir, err := os.MkdirTemp("", "approov-pg-standby-")
	if err != nil {
		return nil, err
	}
	s := &Cluster{dir: dir, bin: c.bin, cred: c.cred}
	if err := s.follow(c); err != nil {
		s.Halt(false)
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func (s *Cluster) follow(primary *Cluster) error {
	if s.cred != nil {
		if err := os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return err
		}
	}
	data := filepath.Join(s.dir, "data")
	backup := command(s.cred, filepath.Join(s.bin, "pg_basebackup"), "-D", data, "-R", "-X", "stream",
		"--no-sync", "-c", "fast", "-d", "host="+primary.dir+" user=postgres")
	if out, err := backup.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_basebackup: %v: %s", err, tail(out))
	}
	s.args = []string{"-D", data, "-k", s.dir, "-c", "listen_addresses=", "-c", "max_connections=200",
		"-c", "hot_standby=on"}
	return s.serve()
}

// Promote ends recovery (as pg_ctl promote does): the standby becomes a
// primary that accepts writes. It waits until it does.
func (c *Cluster) Promote() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var done bool
	if err := conn.QueryRow(ctx, "SELECT pg_promote(true, 60)").Scan(&done); err != nil {
		return fmt.Errorf("promote: %v", err)
	}
	if !done {
		return fmt.Errorf("promote: not promoted within 60 s: %s", c.log())
	}
	return nil
}
