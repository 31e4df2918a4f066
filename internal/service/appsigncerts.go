package service

import (
	"context"
	"encoding/json"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/signcert"
	"github.com/approov-cli/approov/internal/signcert/autoreg"
	"github.com/approov-cli/approov/internal/store"
)

// appSignCertOps are the operations on trusted app-signing certificates.
var appSignCertOps = []endpoint{
	serve(api.OpAppSignCertAdd, (*Service).addAppSignCert),
	serve(api.OpAppSignCertList, (*Service).listAppSignCerts),
	serve(api.OpAppSignCertRemove, (*Service).removeAppSignCert),
}

// certRec is a trusted certificate, keyed account\x00id. Only the DER and
// the account's choices are kept: the description is derived anew.
type certRec struct {
	DER          []byte    `json:"der"`
	AutoRegister bool      `json:"auto_register"`
	AddedBy      string    `json:"added_by"`
	AddedAt      time.Time `json:"added_at"`
}

// certID is a certificate's short id: the start of its SHA-256.
func certID(c signcert.Certificate) string { return c.SHA256[:16] }

func certKey(account, id string) string { return account + "\x00" + id }

// addAppSignCert trusts a certificate, re-derived from its DER; adding it
// again updates the auto-register choice.
func (s *Service) addAppSignCert(ctx context.Context, c *call, req api.AddAppSignCertRequest) (api.AppSignCert, error) {
	cert, err := s.validCert(req)
	if err != nil {
		return api.AppSignCert{}, err
	}
	var out api.AppSignCert
	err = s.mutate(ctx, c, certID(cert), func(tx store.Tx, _ *userRec, _ *roleRec) error {
		rec := certRec{DER: req.DER, AutoRegister: req.AutoRegister, AddedBy: c.sess.User, AddedAt: s.now()}
		var old certRec
		found, err := getJSON(tx, store.AppSignCerts, certKey(c.acct.ID, certID(cert)), &old)
		if err != nil {
			return err
		}
		if found {
			rec.AddedBy, rec.AddedAt = old.AddedBy, old.AddedAt
		}
		out = certView(cert, &rec)
		return putJSON(tx, store.AppSignCerts, certKey(c.acct.ID, certID(cert)), &rec)
	})
	return out, err
}

func (s *Service) validCert(req api.AddAppSignCertRequest) (signcert.Certificate, error) {
	if len(req.DER) == 0 || len(req.DER) > signcert.MaxInputSize {
		return signcert.Certificate{}, fault.New(fault.Invalid, "give one DER certificate of at most %d bytes", signcert.MaxInputSize)
	}
	cert, err := signcert.FromDER(req.DER)
	if err != nil {
		return cert, fault.New(fault.Invalid, "not a certificate: %v", err)
	}
	if cert.Development && !req.Development {
		return cert, fault.WithHint(fault.New(fault.Invalid, "%q is a development or debug certificate", cert.Name),
			"trust it only on purpose: approov appsigncert add --development")
	}
	return cert, nil
}

func certView(cert signcert.Certificate, r *certRec) api.AppSignCert {
	return api.AppSignCert{ID: certID(cert), SHA256: cert.SHA256, SHA1: cert.SHA1, Name: cert.Name, Subject: cert.Subject,
		Issuer: cert.Issuer, NotAfter: cert.NotAfter, Platform: string(cert.Platform), TeamID: cert.TeamID,
		Development: cert.Development, AutoRegister: r.AutoRegister, AddedBy: r.AddedBy, AddedAt: r.AddedAt}
}

// scanCerts calls fn with each trusted certificate of the account.
func scanCerts(tx store.Tx, account string, fn func(signcert.Certificate, *certRec) error) error {
	start, end := store.Prefix(account + "\x00")
	return tx.Scan(store.AppSignCerts, start, end, func(_ string, v []byte) error {
		var r certRec
		if err := json.Unmarshal(v, &r); err != nil {
			return fault.New(fault.Internal, "corrupt certificate record: %v", err)
		}
		cert, err := signcert.FromDER(r.DER)
		if err != nil {
			return fault.New(fault.Internal, "stored certificate no longer parses: %v", err)
		}
		return fn(cert, &r)
	})
}

func (s *Service) listAppSignCerts(ctx context.Context, c *call, _ api.Empty) ([]api.AppSignCert, error) {
	out := []api.AppSignCert{}
	err := s.view(ctx, func(tx store.Tx) error {
		out = out[:0]
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		return scanCerts(tx, c.acct.ID, func(cert signcert.Certificate, r *certRec) error {
			out = append(out, certView(cert, r))
			return nil
		})
	})
	return out, err
}

func (s *Service) removeAppSignCert(ctx context.Context, c *call, req api.RemoveAppSignCertRequest) (api.Empty, error) {
	id := req.ID
	if len(id) == 64 {
		id = id[:16] // the full SHA-256 names it too
	}
	return api.Empty{}, s.mutate(ctx, c, truncate(id, 40), func(tx store.Tx, _ *userRec, _ *roleRec) error {
		var r certRec
		found, err := getJSON(tx, store.AppSignCerts, certKey(c.acct.ID, id), &r)
		if err == nil && !found {
			err = fault.New(fault.Invalid, "no app-signing certificate %q", truncate(req.ID, 64))
		}
		if err != nil {
			return err
		}
		return tx.Delete(store.AppSignCerts, certKey(c.acct.ID, id))
	})
}

// certCovering finds the first auto-register certificate that covers m. It
// checks every certificate, never stopping at a match, so its work depends
// on the account's certificates and not on whether m is covered.
func (s *Service) certCovering(tx store.Tx, account string, m api.Measurement) (why string, ok bool, err error) {
	rec := recordOf(m)
	err = scanCerts(tx, account, func(cert signcert.Certificate, r *certRec) error {
		if autoreg.Covers(cert, rec) && r.AutoRegister && !ok {
			why, ok = "auto-register certificate "+certID(cert)+" ("+cert.Name+")", true
		}
		return nil
	})
	return why, ok, err
}
