package service

import (
	"reflect"
	"testing"

	"github.com/approov-cli/approov/internal/api"
)

// persisted lists every type the service writes to the store. A new
// domain's record goes here too.
var persisted = []any{accountRec{}, userRec{}, roleRec{}, codeRec{}, sessionRec{}, auditRec{}, limitRec{}, regRec{}, certRec{}, secretRec{},
	monitorRec{}, domainStateRec{}, checkRec{}, deliveryRec{}, // monitoring (issue 13)
	// attestation metrics
	metricEventRec{}, metricHourRec{}, metricsKeyRec{},
	// the token service (issue 14)
	policyRec{}, maskKeyRec{}, deviceRec{}, attestedPtr{}, secStringRec{},
}

// Records are the service's own types, never the contract's: a change on
// the wire must not silently change what is on disk.
func TestRecordsHoldNoWireTypes(t *testing.T) {
	if wireField(reflect.TypeOf(struct{ M map[string][]*api.Verifier }{}), map[reflect.Type]bool{}) == "" {
		t.Fatal("the walk misses a nested api type")
	}
	for _, v := range persisted {
		if path := wireField(reflect.TypeOf(v), map[reflect.Type]bool{}); path != "" {
			t.Errorf("%T stores a type of internal/api: %s", v, path)
		}
	}
}

func wireField(t reflect.Type, seen map[reflect.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	if t.PkgPath() == "github.com/approov-cli/approov/internal/api" {
		return t.String()
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return wireField(t.Elem(), seen)
	case reflect.Map:
		if p := wireField(t.Key(), seen); p != "" {
			return p
		}
		return wireField(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if p := wireField(t.Field(i).Type, seen); p != "" {
				return t.Field(i).Name + "." + p
			}
		}
	}
	return ""
}
