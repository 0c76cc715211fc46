// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb
// into a fresh temporary directory, the server listening only on a unix
// socket in that directory, run as an ordinary process with Debian's
// postgresql binaries (/usr/lib/postgresql/N/bin, the newest N found).
//
// PostgreSQL refuses to run as root, and CI runs tests as root: then the
// cluster's directory is given to the postgres system user (made by
// Debian's package) and initdb, pg_ctl and the server run as that user
// through runuser(1).
//
// Without PostgreSQL installed a test skips, saying so, unless
// TANDEM_E2E=require is set (as `make test` does): then it fails.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running throwaway cluster.
type Cluster struct {
	dir    string // the socket directory; the data directory is dir/data
	bin    string // the directory of initdb, pg_ctl and postgres
	asUser []string
	opts   Options
	dbs    atomic.Int64
}

// Options tune a cluster.
type Options struct {
	// Durable keeps fsync and synchronous commits on, as a production
	// server has them (benchmarks); tests run faster without.
	Durable bool
}

// BinDir returns the directory of the newest PostgreSQL server binaries
// installed, or "" if there are none. TANDEM_PG_BIN overrides the search.
func BinDir() string {
	if d := os.Getenv("TANDEM_PG_BIN"); d != "" {
		return d
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	slices.SortFunc(matches, func(a, b string) int { return version(a) - version(b) })
	if len(matches) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p)
		}
		return ""
	}
	return filepath.Dir(matches[len(matches)-1])
}

// version is the N of /usr/lib/postgresql/N/bin/initdb.
func version(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// Start starts a cluster for t and stops it when t ends; it skips t (or
// fails it with TANDEM_E2E=require) when PostgreSQL is not installed.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	bin := BinDir()
	if bin == "" {
		msg := "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); install Debian's postgresql package to run this test"
		if os.Getenv("TANDEM_E2E") == "require" {
			t.Fatal(msg + " (TANDEM_E2E=require)")
		}
		t.Skip(msg)
	}
	// Not t.TempDir(): its parent is private to the test's user, and the
	// postgres user must reach the directory. A short path also keeps the
	// socket's path under the 107 bytes a unix socket allows.
	parent := ""
	if os.Geteuid() == 0 {
		parent = "/tmp" // TMPDIR may be under root's home, which the postgres user cannot enter
	}
	dir, err := os.MkdirTemp(parent, "tandem-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c := &Cluster{dir: dir, bin: bin, opts: opts}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL must run as the postgres user, which is missing (%v): install Debian's postgresql package", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatalf("giving the cluster's directory to the postgres user: %v", err)
		}
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := c.command("initdb", "-D", c.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync", "--no-instructions").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.Up(t)
	t.Cleanup(func() {
		// immediate: the test is over, nothing needs to reach the disk.
		_ = c.command("pg_ctl", "-D", c.dataDir(), "-m", "immediate", "-w", "stop").Run()
	})
	return c
}

func (c *Cluster) dataDir() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	argv := append(slices.Clone(c.asUser), filepath.Join(c.bin, name))
	argv = append(argv, args...)
	return exec.Command(argv[0], argv[1:]...)
}

// Up starts the cluster's server and waits until it accepts connections.
func (c *Cluster) Up(t testing.TB) {
	t.Helper()
	settings := []string{"-k", c.dir, "-c", "listen_addresses=", "-c", "max_connections=200"}
	if !c.opts.Durable {
		settings = append(settings, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	if out, err := c.command("pg_ctl", "-D", c.dataDir(), "-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "120",
		"-o", strings.Join(settings, " "), "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		t.Fatalf("starting PostgreSQL: %v\n%s\n%s", err, out, log)
	}
}

// Down stops the cluster's server (fast shutdown: open connections are
// cut), as when PostgreSQL is lost under a running hub.
func (c *Cluster) Down(t testing.TB) {
	t.Helper()
	if out, err := c.command("pg_ctl", "-D", c.dataDir(), "-m", "fast", "-w", "stop").CombinedOutput(); err != nil {
		t.Fatalf("stopping PostgreSQL: %v\n%s", err, out)
	}
}

// URL is the connection URL of database db in the cluster.
func (c *Cluster) URL(db string) string {
	q := url.Values{"host": {c.dir}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + db, RawQuery: q.Encode()}).String()
}

// NewDatabase creates an empty database and returns its URL.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("db%d", c.dbs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatalf("connecting to the test cluster: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating a database: %v", err)
	}
	return c.URL(name)
}

// Exec runs sql in the database at dbURL (tests that reach under the store).
func (c *Cluster) Exec(t testing.TB, dbURL, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connecting to the test cluster: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
