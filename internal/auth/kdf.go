package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/argon2"

	"github.com/approov-cli/approov/internal/fault"
)

// SaltSize is the length of a password salt in bytes.
const SaltSize = 16

// Params are Argon2id cost parameters. They are stored with every enrolled
// public key so that they can be raised later by re-enrolling.
type Params struct {
	Time      uint32 `json:"t"` // iterations
	MemoryKiB uint32 `json:"m"` // memory in KiB
	Threads   uint8  `json:"p"` // lanes
}

// ProductionParams are the costs every real enrolment uses: RFC 9106's second
// recommended choice (t=3, m=64 MiB, p=4), fit for laptops and CI runners.
var ProductionParams = Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

// Bounds on parameters received from the other side, so that a hostile
// service cannot make a client allocate gigabytes or spin for minutes.
const (
	maxTime      = 16
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxThreads   = 64
)

// Validate checks p is within the bounds any client accepts.
func (p Params) Validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fault.New(fault.Invalid, "argon2id time cost %d out of range 1..%d", p.Time, maxTime)
	case p.Threads < 1 || p.Threads > maxThreads:
		return fault.New(fault.Invalid, "argon2id parallelism %d out of range 1..%d", p.Threads, maxThreads)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fault.New(fault.Invalid, "argon2id memory %d KiB out of range %d..%d", p.MemoryKiB, 8*uint32(p.Threads), maxMemoryKiB)
	}
	return nil
}

// AtLeast reports whether p costs at least as much as min in every dimension.
func (p Params) AtLeast(min Params) bool {
	return p.Time >= min.Time && p.MemoryKiB >= min.MemoryKiB && p.Threads >= min.Threads
}

// String renders p for messages, e.g. "argon2id t=3 m=65536KiB p=4".
func (p Params) String() string {
	return fmt.Sprintf("argon2id t=%d m=%dKiB p=%d", p.Time, p.MemoryKiB, p.Threads)
}

// NewSalt returns SaltSize random bytes.
func NewSalt() []byte {
	s := make([]byte, SaltSize)
	rand.Read(s) // crypto/rand.Read never fails (Go ≥ 1.24)
	return s
}

// DeriveKey turns a password (or PIN) into an Ed25519 key:
// seed = Argon2id(password, salt, p), key = Ed25519(seed). The caller should
// wipe password afterwards; the seed is wiped here.
func DeriveKey(password, salt []byte, p Params) (ed25519.PrivateKey, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if len(salt) < 8 || len(salt) > 64 {
		return nil, fault.New(fault.Invalid, "salt of %d bytes out of range 8..64", len(salt))
	}
	seed := argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, ed25519.SeedSize)
	key := KeyFromSeed(seed)
	Wipe(seed)
	return key, nil
}

// Wipe overwrites b with zeros: best effort, as Go may have copied it.
func Wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
