package pin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/app"
	"github.com/approov-cli/approov/internal/cli/pin"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/pinstest"
)

func checkOpts(t *testing.T, s streams, args ...string) (*pin.CheckOptions, error) {
	t.Helper()
	var got *pin.CheckOptions
	cmd := pin.NewCmdCheck(factory(s), func(o *pin.CheckOptions) error { got = o; return nil })
	err := parse(t, cmd, args...)
	return got, err
}

func runCheck(t *testing.T, s streams, args ...string) error {
	t.Helper()
	o, err := checkOpts(t, s, args...)
	if err != nil {
		t.Fatal(err)
	}
	return pin.RunCheck(context.Background(), o)
}

func TestNewCmdCheckFlags(t *testing.T) {
	o, err := checkOpts(t, newStreams(false), "-f", "p.json", "--concurrency", "3", "--connect-to", "a.test=127.0.0.1:1", "a.test")
	if err != nil || o.File != "p.json" || o.Concurrency != 3 || o.Live.ConnectTo[0] != "a.test=127.0.0.1:1" || o.Domains[0] != "a.test" {
		t.Errorf("err %v, options %+v", err, o)
	}
	if f := pin.NewCmdCheck(factory(newStreams(false)), nil).Flags(); f.Lookup("insecure") != nil {
		t.Error("pin check must not offer --insecure: pins are matched against verified chains only")
	}
}

func TestCheckUsageErrors(t *testing.T) {
	set := writeFile(t, "p.json", []byte(`{"schema":1,"domains":[]}`))
	for _, args := range [][]string{
		{},
		{"-f", set, "--concurrency", "0"},
		{"-f", set, "--connect-to", "nonsense"},
		{"-f", set, "--connect-to", "a.test=host:notaport"},
		{"-f", set, "--timeout", "0s"},
		{"-f", set, "--json=nosuchfield"},
	} {
		if err := runCheck(t, newStreams(false), args...); fault.KindOf(err) != fault.Usage {
			t.Errorf("%v: err %v, want usage", args, err)
		}
	}
}

// domainSpec is one domain of a generated pin set.
type domainSpec struct {
	name, addr, expires string
	pins                []pins.Pin
}

func pinSetFile(t *testing.T, specs ...domainSpec) (file string, connect []string) {
	t.Helper()
	var doms []string
	for _, d := range specs {
		var ps []string
		for i, p := range d.pins {
			label := "primary"
			if i > 0 {
				label = "backup"
			}
			ps = append(ps, fmt.Sprintf(`{"sha256":%q,"label":%q,"type":"leaf"}`, p, label))
		}
		exp := ""
		if d.expires != "" {
			exp = fmt.Sprintf(`"expires":%q,`, d.expires)
		}
		doms = append(doms, fmt.Sprintf(`{"domain":%q,%s"pins":[%s]}`, d.name, exp, strings.Join(ps, ",")))
		connect = append(connect, "--connect-to", d.name+"="+d.addr)
	}
	return writeFile(t, "pins.json", []byte(`{"schema":1,"base_version":0,"domains":[`+strings.Join(doms, ",")+`]}`)), connect
}

func TestCheckLive(t *testing.T) {
	ca := pinstest.NewCA(t, "Check Root")
	caFile := writeFile(t, "ca.pem", ca.PEM())
	good, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"good.pins.test", "bad.pins.test"}})
	addr := pinstest.ServeTLS(t, key, good, ca.Cert)
	file, connect := pinSetFile(t,
		domainSpec{name: "good.pins.test", addr: addr, pins: []pins.Pin{pins.Compute(good), pins.Compute(ca.Cert)}},
		domainSpec{name: "bad.pins.test", addr: addr, pins: []pins.Pin{{1}, {2}}})
	for _, tty := range []bool{false, true} {
		s := newStreams(tty)
		err := runCheck(t, s, append([]string{"-f", file, "--ca-file", caFile}, connect...)...)
		if fault.KindOf(err) != fault.Network || err.Error() != "1 of 2 domains failed the pin check" {
			t.Fatalf("err %v", err)
		}
		out := s.Out.String()
		if !strings.Contains(out, "good.pins.test") || !strings.Contains(out, "primary leaf") || !strings.Contains(out, "no pin of bad.pins.test matches") {
			t.Errorf("tty=%v output:\n%s", tty, out)
		}
	}
	// Only the passing domain: exit 0, JSON output.
	s := newStreams(false)
	if err := runCheck(t, s, append([]string{"-f", file, "--ca-file", caFile, "--json=domain,ok,addresses", "good.pins.test"}, connect...)...); err != nil {
		t.Fatal(err)
	}
	var res []struct {
		Domain    string
		OK        bool
		Addresses []struct{ Matched struct{ Pin, Label string } }
		Warnings  []string
	}
	if err := json.Unmarshal(s.Out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, s.Out)
	}
	if len(res) != 1 || !res[0].OK || res[0].Addresses[0].Matched.Pin != pins.Compute(good).String() || res[0].Warnings != nil {
		t.Errorf("json %s", s.Out)
	}
	if err := runCheck(t, newStreams(false), "-f", file, "nosuch.pins.test"); fault.KindOf(err) != fault.Invalid {
		t.Errorf("unknown domain: %v", err)
	}
}

func TestCheckExpiringPinSet(t *testing.T) {
	ca := pinstest.NewCA(t, "Check Root")
	leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"exp.pins.test"}})
	addr := pinstest.ServeTLS(t, key, leaf)
	soon := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	file, connect := pinSetFile(t, domainSpec{name: "exp.pins.test", addr: addr, expires: soon, pins: []pins.Pin{pins.Compute(leaf), pins.Compute(ca.Cert)}})
	s := newStreams(false)
	err := runCheck(t, s, append([]string{"-f", file, "--ca-file", writeFile(t, "ca.pem", ca.PEM())}, connect...)...)
	if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "expires on "+soon) {
		t.Errorf("err %v", err)
	}
	if !strings.Contains(s.ErrOut.String(), "warning: domain exp.pins.test: pin set expires") {
		t.Errorf("stderr %q", s.ErrOut)
	}
}

// Every hostile server, as a domain of one pin set: all fail, each with its
// reason, and the whole check ends within one deadline (they run concurrently).
func TestCheckHostile(t *testing.T) {
	ca := pinstest.NewCA(t, "Hostile Root")
	var specs []domainSpec
	for i, h := range pinstest.HostileServers {
		specs = append(specs, domainSpec{name: fmt.Sprintf("h%02d.pins.test", i), addr: h.Start(t, ca), pins: []pins.Pin{{1}, {2}}})
	}
	file, connect := pinSetFile(t, specs...)
	const deadline = 6 * time.Second
	s := newStreams(false)
	start := time.Now()
	err := runCheck(t, s, append([]string{"-f", file, "--ca-file", writeFile(t, "ca.pem", ca.PEM()), "--json",
		"--connect-timeout", "5s", "--handshake-timeout", "4s", "--timeout", deadline.String(), "--concurrency", "16"}, connect...)...)
	elapsed := time.Since(start)
	if fault.KindOf(err) != fault.Network || app.ExitCode(err) != 7 {
		t.Fatalf("err %v", err)
	}
	oneLine(t, err)
	// --ca-file was given: the hint names the file, never "--ca-file" again.
	if hint := fault.HintOf(err); !strings.Contains(hint, "ca.pem holds the CA") || strings.Contains(hint, "--ca-file") {
		t.Errorf("hint for unverified chains with --ca-file given: %q", hint)
	}
	if elapsed > deadline+time.Second {
		t.Errorf("took %s, deadline %s", elapsed, deadline)
	}
	var res []pins.DomainResult
	if err := json.Unmarshal(s.Out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	for i, h := range pinstest.HostileServers {
		reason := h.Reason
		if h.Name == "wrong-host leaf" || h.Name == "unknown authority" {
			reason = "certificate not verified" // the servers' names are 127.0.0.1, not the domains'
		}
		if res[i].OK || !strings.Contains(res[i].Error, reason) || strings.Contains(res[i].Error, "\n") {
			t.Errorf("%s: ok %v, error %q, want %q", h.Name, res[i].OK, res[i].Error, reason)
		}
	}
}

func TestCheckPinSetFromStdin(t *testing.T) {
	ca := pinstest.NewCA(t, "Stdin Root")
	leaf, key := ca.Leaf(t, pinstest.LeafOptions{Names: []string{"in.pins.test"}})
	addr := pinstest.ServeTLS(t, key, leaf)
	s := newStreams(false)
	fmt.Fprintf(s.In, `{"schema":1,"domains":[{"domain":"in.pins.test","pins":[{"sha256":%q}]}]}`, pins.Compute(leaf))
	err := runCheck(t, s, "-f", "-", "--ca-file", writeFile(t, "ca.pem", ca.PEM()), "--connect-to", "in.pins.test="+addr)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.ErrOut.String(), "single pin") || !strings.Contains(s.Out.String(), "in.pins.test\t"+addr+"\tok") {
		t.Errorf("stdout %q, stderr %q", s.Out, s.ErrOut)
	}
}
