package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestTokenSecretHidden: formatting or logging the answer never shows the
// secret; its JSON (the wire) does.
func TestTokenSecretHidden(t *testing.T) {
	s := TokenSecret{Secret: []byte("0123456789abcdef-SECRET"), KeyID: "k"}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("got", "answer", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v %#v %s", s, s, s), fmt.Sprint(&s), logged.String()} {
		if strings.Contains(out, "SECRET") || strings.Contains(out, "MDEy") || !strings.Contains(out, "hidden") {
			t.Errorf("printed %q", out)
		}
	}
	raw, _ := json.Marshal(s)
	if !strings.Contains(string(raw), `"secret":"MDEy`) {
		t.Errorf("JSON lost the secret: %s", raw)
	}
}
