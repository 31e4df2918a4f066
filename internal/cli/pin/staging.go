package pin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
	"github.com/approov-cli/approov/internal/statedir"
	"github.com/approov-cli/approov/internal/userfile"
)

// Staged is the local staging area of one account: the working copy and
// the version it was pulled at with that version's content, so that status
// and rebase compare three ways without the network.
type Staged struct {
	Account string       `json:"account"`
	Base    *pins.PinSet `json:"base"` // content of version Base.BaseVersion
	Work    *pins.PinSet `json:"work"` // the working copy; Work.BaseVersion = Base.BaseVersion
	// Unconfirmed is a push sent whose answer never came back (the server
	// died, the connection broke): pin status asks the service about it.
	Unconfirmed *UnconfirmedPush `json:"unconfirmed_push,omitempty"`
}

// UnconfirmedPush is a push whose outcome the CLI could not know.
type UnconfirmedPush struct {
	At          time.Time    `json:"at"`
	BaseVersion uint64       `json:"base_version"` // the version it was based on
	Set         *pins.PinSet `json:"set"`          // what it sent
}

const (
	stagingDir     = "staging"
	stagingLock    = "staging.lock"
	maxStagingFile = 4 * pins.MaxPinSetSize // base, work, an unconfirmed push, JSON indentation
	lockWait       = 10 * time.Second
)

// Staging opens and saves a staging area: in the approov home (per account,
// locked, written atomically) or, with --file, a pin-set file kept in a
// repository with its base beside it (FILE.base).
type Staging struct {
	Home    string // the approov directory
	File    string // --file, or empty
	Account string
	Warnf   func(string, ...any)
}

// Update loads the staging area, runs fn, and saves what fn leaves in it,
// holding the lock. A missing area is empty at version 0.
func (s *Staging) Update(ctx context.Context, fn func(*Staged) error) error {
	if s.File != "" {
		st, err := s.load()
		if err == nil {
			err = fn(st)
		}
		if err == nil {
			err = s.save(st)
		}
		return err
	}
	dir, err := s.dir()
	if err != nil {
		return err
	}
	unlock, err := dir.Lock(ctx, stagingLock, lockWait, nil)
	if err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	defer unlock()
	st, err := s.load()
	if err == nil {
		err = fn(st)
	}
	if err == nil {
		err = s.save(st)
	}
	return err
}

// Load reads the staging area (an empty one at version 0 when missing).
func (s *Staging) Load() (*Staged, error) { return s.load() }

func (s *Staging) dir() (*statedir.Dir, error) {
	home, err := statedir.Open(s.Home, s.Warnf)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err)
	}
	d, err := home.Sub(stagingDir)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err)
	}
	return d, nil
}

func emptyStaged(account string) *Staged {
	return &Staged{Account: account, Base: stage.Clone(nil), Work: stage.Clone(nil)}
}

func (s *Staging) load() (*Staged, error) {
	if s.File != "" {
		return s.loadFile()
	}
	dir, err := s.dir()
	if err != nil {
		return nil, err
	}
	data, err := dir.ReadFile(s.Account+".json", maxStagingFile)
	if errors.Is(err, fs.ErrNotExist) {
		return emptyStaged(s.Account), nil
	}
	if err != nil {
		return nil, err
	}
	var st Staged
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil || st.Base == nil || st.Work == nil {
		return nil, fault.WithHint(fault.New(fault.Invalid, "the staging area %s is damaged", dir.Join(s.Account+".json")),
			"approov pin pull --discard starts again from the backend's version")
	}
	return &st, checkStaged(&st)
}

func checkStaged(st *Staged) error {
	if err := stage.Validate(st.Base); err != nil {
		return err
	}
	if err := stage.Validate(st.Work); err != nil {
		return err
	}
	if u := st.Unconfirmed; u != nil {
		if u.Set == nil {
			return fault.New(fault.Invalid, "the staging area's unconfirmed push has no pin set")
		}
		return stage.Validate(u.Set)
	}
	return nil
}

func (s *Staging) loadFile() (*Staged, error) {
	st := emptyStaged(s.Account)
	work, err := readSetFile(s.File)
	if err != nil || work == nil {
		return st, err
	}
	st.Work = work
	base, err := readSetFile(s.File + ".base")
	if err != nil {
		return nil, err
	}
	if base == nil || base.BaseVersion != work.BaseVersion {
		// A file written by hand or another tool: its base is unknown here, so
		// it counts as based on nothing until pulled.
		base = stage.Clone(nil)
		base.BaseVersion = work.BaseVersion
	}
	st.Base = base
	return st, nil
}

// readSetFile reads a pin-set file, nil when missing.
func readSetFile(path string) (*pins.PinSet, error) {
	f, err := userfile.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	set, _, err := pins.ReadPinSet(f)
	if err != nil {
		return nil, fault.New(fault.Invalid, "%s: %w", path, err)
	}
	return set, nil
}

func (s *Staging) save(st *Staged) error {
	st.Work.BaseVersion = st.Base.BaseVersion
	if s.File != "" {
		if err := writeAtomic(s.File+".base", st.Base); err != nil {
			return err
		}
		return writeAtomic(s.File, st.Work)
	}
	dir, err := s.dir()
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	return dir.WriteFile(s.Account+".json", append(data, '\n'))
}

// writeAtomic replaces path with the pin set: a temp file beside it,
// synced, then renamed, so a reader sees the old file or the new one.
func writeAtomic(path string, set *pins.PinSet) error {
	data, err := json.MarshalIndent(stage.Clone(set), "", "  ")
	if err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".approov-tmp-*")
	if err != nil {
		return fault.New(fault.Invalid, "write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err = f.Write(append(data, '\n')); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fault.New(fault.Invalid, "write %s: %w", path, err)
	}
	return nil
}
