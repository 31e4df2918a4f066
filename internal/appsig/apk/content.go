package apk

import (
	"bytes"
	"context"
	"encoding/hex"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

// checkContent requires every chunked content digest that a v2+ signer
// signed to equal the file's. The file's value of a kind comes from
// apkverifier's verdict when it checked that kind against the file (see
// verifiedDigests); every other kind we recompute ourselves, and all of
// them when the verdict failed, so a rejected file's record shows what the
// file holds.
func (m *Measurement) checkContent(ctx context.Context, a *zipsafe.Archive, sb *SigningBlock, v verdict) error {
	claims, kinds := claimedDigests(sb)
	if len(kinds) == 0 {
		if len(sb.V2)+len(sb.V3)+len(sb.V31) > 0 {
			return fault.New(fault.Invalid, "APK Signing Block has no chunked content digest to check")
		}
		return nil
	}
	sums, err := fileDigests(ctx, a, kinds, verifiedDigests(sb, v))
	if err != nil {
		return err
	}
	for _, k := range kinds {
		for _, want := range claims[k] {
			if !bytes.Equal(want, sums[k]) {
				return fault.New(fault.Invalid, "%s content digest mismatch: signed %x, computed %x", DigestName(k), want, sums[k])
			}
		}
		m.ContentDigests = append(m.ContentDigests, ContentDigest{DigestName(k), hex.EncodeToString(sums[k])})
	}
	return nil
}

// fileDigests returns the file's content digest of each kind: the verified
// value where there is one, else recomputed (one pass for all such kinds).
func fileDigests(ctx context.Context, a *zipsafe.Archive, kinds []int, verified map[int][]byte) (map[int][]byte, error) {
	var missing []int
	for _, k := range kinds {
		if verified[k] == nil {
			missing = append(missing, k)
		}
	}
	sums := map[int][]byte{}
	if len(missing) > 0 {
		computed, err := ContentDigests(ctx, a, missing, nil)
		if err != nil {
			return nil, err
		}
		sums = computed
	}
	for k, d := range verified {
		sums[k] = d
	}
	return sums, nil
}

// verifiedDigests returns, by kind, the content digests that apkverifier
// compared with the file when it verified scheme v.scheme: it checks the
// digest of each signer's strongest supported signature algorithm, for
// v3.1 those of the v3 block (the v3.1 block's own it does not compare).
// We cannot see which algorithm it picked, so a signer counts only when all
// its digest records name one chunked kind with one value: whichever it
// picked, that value was checked. Signers that disagree count for nothing
// (apkverifier rejects that anyway). Nil when the verdict failed.
func verifiedDigests(sb *SigningBlock, v verdict) map[int][]byte {
	var signers []BlockSigner
	switch {
	case v.err != nil:
	case v.scheme == 2:
		signers = sb.V2
	case v.scheme == 3 || v.scheme == 31:
		signers = sb.V3
	}
	out, bad := map[int][]byte{}, map[int]bool{}
	for _, s := range signers {
		k, d, ok := soleDigest(s)
		switch {
		case !ok || bad[k]:
		case out[k] != nil && !bytes.Equal(out[k], d):
			delete(out, k)
			bad[k] = true
		default:
			out[k] = d
		}
	}
	return out
}

// soleDigest returns the kind and value of a signer whose digest records
// all carry the same chunked kind and value.
func soleDigest(s BlockSigner) (int, []byte, bool) {
	if len(s.Digests) == 0 {
		return 0, nil, false
	}
	k, d := digestKind(s.Digests[0].SigAlg), s.Digests[0].Value
	if k != ChunkedSHA256 && k != ChunkedSHA512 {
		return 0, nil, false
	}
	for _, o := range s.Digests[1:] {
		if digestKind(o.SigAlg) != k || !bytes.Equal(o.Value, d) {
			return 0, nil, false
		}
	}
	return k, d, true
}

// claimedDigests collects the chunked digests every v2+ signer signed, by
// kind, and the kinds present in a fixed order.
func claimedDigests(sb *SigningBlock) (map[int][][]byte, []int) {
	claims := map[int][][]byte{}
	for _, list := range [][]BlockSigner{sb.V2, sb.V3, sb.V31} {
		for _, s := range list {
			for _, d := range s.Digests {
				if k := digestKind(d.SigAlg); k == ChunkedSHA256 || k == ChunkedSHA512 {
					claims[k] = append(claims[k], d.Value)
				}
			}
		}
	}
	var kinds []int
	for _, k := range []int{ChunkedSHA256, ChunkedSHA512} {
		if claims[k] != nil {
			kinds = append(kinds, k)
		}
	}
	return claims, kinds
}
