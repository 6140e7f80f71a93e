package main

import (
	"strings"
	"unicode/utf8"
)

// table is virsh's vshTable: columns padded to their widest cell, each
// cell preceded by a space and followed by two more, a dashed line under
// the header.
type table struct {
	rows [][]string
}

func newTable(header ...string) *table { return &table{rows: [][]string{header}} }

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// render writes the table; without header the first row is left out and
// does not count towards the column widths.
func (t *table) render(header bool) string {
	widths := make([]int, len(t.rows[0]))
	measured := t.rows
	if !header {
		measured = t.rows[1:]
	}
	for _, r := range measured {
		for i, cell := range r {
			if w := utf8.RuneCountInString(cell); w > widths[i] {
				widths[i] = w
			}
		}
	}
	var b strings.Builder
	row := func(r []string) {
		for i, cell := range r {
			b.WriteByte(' ')
			b.WriteString(cell)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+2))
			}
		}
		b.WriteByte('\n')
	}
	if header {
		row(t.rows[0])
		total := 0
		for _, w := range widths {
			total += w + 3
		}
		b.WriteString(strings.Repeat("-", total))
		b.WriteByte('\n')
	}
	for _, r := range t.rows[1:] {
		row(r)
	}
	return b.String()
}
