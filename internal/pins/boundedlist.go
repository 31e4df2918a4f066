package pins

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// list decodes a JSON array but keeps at most limit elements, counting the
// rest: json.Unmarshal into a slice would build every element of a 1 MiB
// file of "{}," before the count could be checked (140 times the input).
type list[T any] struct {
	items []T
	total int // elements in the input
}

func (l *list[T]) decode(b []byte, limit int) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	tok, err := dec.Token()
	if err != nil || tok == nil { // null leaves the list empty
		return err
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("cannot unmarshal %v into an array", tok)
	}
	var zero, v T // one v for all elements: a new one per element escapes
	for dec.More() {
		v = zero
		if err := dec.Decode(&v); err != nil {
			return err
		}
		if l.total++; l.total <= limit {
			l.items = append(l.items, v)
		}
	}
	return nil
}

// domainList is the pin set's "domains" array.
type domainList struct{ list[rawDomain] }

func (l *domainList) UnmarshalJSON(b []byte) error { return l.decode(b, MaxDomains) }

// pinList is a domain's "pins" array.
type pinList struct{ list[rawPinEntry] }

func (l *pinList) UnmarshalJSON(b []byte) error { return l.decode(b, MaxPinsPerDomain) }
