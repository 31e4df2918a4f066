// Package tableprinter prints rows for people and for scripts: on a terminal,
// an aligned table with headers (github.com/olekukonko/tablewriter); when
// piped, tab-separated lines without headers or colour, times in RFC 3339.
package tableprinter

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Printer collects rows and renders them once.
type Printer struct {
	ios     *iostreams.IOStreams
	headers []string
	rows    [][]string
}

// New returns a printer for the given column headers.
func New(ios *iostreams.IOStreams, headers ...string) *Printer {
	return &Printer{ios: ios, headers: headers}
}

// AddRow appends a row. Cells may be strings, fmt.Stringers, numbers, bools
// or time.Time values (the zero time prints as empty). Tabs and line ends
// become spaces, so that every row stays one line for cut, awk and read;
// other control and invisible characters are escaped (cells carry names
// from certificates, servers and codes).
func (p *Printer) AddRow(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = safetext.Escape(blanks.Replace(p.format(c)))
	}
	p.rows = append(p.rows, row)
}

func (p *Printer) format(c any) string {
	switch v := c.(type) {
	case time.Time:
		return p.formatTime(v)
	case *time.Time:
		if v == nil {
			return ""
		}
		return p.formatTime(*v)
	case string:
		return v
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

func (p *Printer) formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if p.ios.IsStdoutTTY() {
		return t.Local().Format("2006-01-02 15:04 MST")
	}
	return t.UTC().Format(time.RFC3339)
}

// Render writes the table to stdout.
func (p *Printer) Render() error {
	if !p.ios.IsStdoutTTY() {
		return p.renderTSV()
	}
	return p.renderTable()
}

var blanks = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

// renderTSV writes one tab-separated line per row.
func (p *Printer) renderTSV() error {
	var b strings.Builder
	for _, row := range p.rows {
		for i, cell := range row {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(cell)
		}
		b.WriteByte('\n')
	}
	_, err := fmt.Fprint(p.ios.Out, b.String())
	return err
}

func (p *Printer) renderTable() error {
	buf := &bytes.Buffer{}
	table := tablewriter.NewTable(buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
	)
	table.Header(p.boldHeaders()...)
	for _, row := range p.rows {
		if err := table.Append(row); err != nil {
			return err
		}
	}
	if err := table.Render(); err != nil {
		return err
	}
	return p.flushTrimmed(buf)
}

// flushTrimmed drops the padding tablewriter leaves at the end of each line.
func (p *Printer) flushTrimmed(buf *bytes.Buffer) error {
	var b strings.Builder
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		b.WriteString(strings.TrimRight(line, " \n"))
		if strings.HasSuffix(line, "\n") {
			b.WriteByte('\n')
		}
	}
	_, err := fmt.Fprint(p.ios.Out, b.String())
	return err
}

func (p *Printer) boldHeaders() []any {
	cs := p.ios.ColorScheme()
	out := make([]any, len(p.headers))
	for i, h := range p.headers {
		out[i] = cs.Bold(strings.ToUpper(h))
	}
	return out
}
