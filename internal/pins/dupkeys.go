package pins

import (
	"bytes"
	"encoding/json"
)

// jsonFrame is one open object or array while scanning for duplicate keys.
type jsonFrame struct {
	object  bool
	wantKey bool
	keys    map[string]bool
}

// duplicateKey returns the first key that appears twice in one JSON object.
// encoding/json keeps the last value silently, which would let a second
// "sha256" or "expires" hide behind the first in a reviewed file. Syntax
// errors are left to the decoder, which reports them better.
func duplicateKey(data []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*jsonFrame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		top := (*jsonFrame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if key, ok := tok.(string); ok && top != nil && top.object && top.wantKey {
			if top.keys[key] {
				return key, true
			}
			if top.keys == nil { // made on the first key: "{}" costs no map
				top.keys = map[string]bool{}
			}
			top.keys[key], top.wantKey = true, false
			continue
		}
		stack = step(stack, top, tok)
	}
}

// step updates the stack for a value token or a delimiter.
func step(stack []*jsonFrame, top *jsonFrame, tok json.Token) []*jsonFrame {
	switch tok {
	case json.Delim('{'):
		return append(stack, &jsonFrame{object: true, wantKey: true})
	case json.Delim('['):
		return append(stack, &jsonFrame{})
	case json.Delim('}'), json.Delim(']'):
		stack = stack[:len(stack)-1]
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		} else {
			top = nil
		}
	}
	if top != nil && top.object {
		top.wantKey = true // a value (scalar or closed container) ends
	}
	return stack
}
