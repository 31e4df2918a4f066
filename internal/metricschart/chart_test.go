package metricschart

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func sample(n int) Chart {
	c := Chart{Title: "Attestations by outcome", YLabel: "attestations"}
	pass, fail := Series{Name: "pass"}, Series{Name: "fail"}
	for i := range n {
		c.Labels = append(c.Labels, "12-01 "+string(rune('a'+i%26)))
		pass.Values = append(pass.Values, float64(i%7))
		fail.Values = append(fail.Values, float64(i%3))
	}
	c.Series = []Series{pass, fail}
	return c
}

// checkSVG decodes out as XML and finds an svg root element.
func checkSVG(t *testing.T, out []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(out))
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q", root)
	}
}

func TestRender(t *testing.T) {
	for _, c := range []Chart{sample(25), sample(400), {Title: "empty", Labels: []string{"a", "b"}}, {}} {
		out, err := Render(c, SVG)
		if err != nil {
			t.Fatal(err)
		}
		checkSVG(t, out)
		if len(c.Series) > 0 && !bytes.Contains(out, []byte("pass")) {
			t.Error("the legend is missing from the SVG")
		}
		out, err = Render(c, PNG)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("not a PNG: %v", err)
		}
		if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 250 {
			t.Errorf("PNG of %v", b)
		}
	}
	if _, err := Render(sample(3), "gif"); err == nil {
		t.Error("gif rendered")
	}
}

func TestThin(t *testing.T) {
	got := thin([]string{"a", "b", "c", "d", "e"}, 2)
	if strings.Join(got, ",") != "a,,,d," {
		t.Errorf("thin = %q", got)
	}
}

func TestBar(t *testing.T) {
	tests := []struct {
		v, top float64
		width  int
		cells  string
	}{
		{0, 10, 10, ""},
		{10, 10, 10, strings.Repeat("█", 10)},
		{20, 10, 10, strings.Repeat("█", 10)},
		{5, 10, 10, "█████"},
		{0.01, 10, 10, "▏"},
		{8, 16, 2, "█"},
		{12, 16, 2, "█▌"},
		{1, 0, 10, ""},
	}
	for _, tt := range tests {
		if got := Bar(tt.v, tt.top, tt.width); got != tt.cells {
			t.Errorf("Bar(%v, %v, %d) = %q, want %q", tt.v, tt.top, tt.width, got, tt.cells)
		}
		if utf8.RuneCountInString(Bar(tt.v, tt.top, tt.width)) > tt.width {
			t.Errorf("Bar(%v) wider than %d", tt.v, tt.width)
		}
	}
}
