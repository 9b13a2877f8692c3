package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Chart geometry, in SVG user units.
const (
	chartRow    = 18  // height of one cell's row
	chartTop    = 78  // title, legend and axis labels
	chartBottom = 16  //
	chartLabel  = 230 // the row labels' column
	chartPanel  = 400 // width of one panel's plot area
	chartGap    = 70  // between the panels
	maxCeiling  = 4   // the largest ceiling ratio drawn to scale
)

// panel is one half of the chart: a ratio per cell, with the ceiling's
// ratio as a tick, the twin's as a dot, and Redis at 1.
type panel struct {
	title   string
	value   func(summary) float64 // redis-fast ÷ Redis
	ceiling func(summary) float64 // ceiling ÷ Redis
	twin    func(summary) float64 // Redis's twin ÷ Redis: the noise
	higher  bool                  // whether a higher ratio is better
}

// writeChart draws the ratios as an SVG written by hand: throughput on the
// left, CPU per request on the right, one row per cell.
func writeChart(w io.Writer, sums []summary) error {
	panels := []panel{
		{title: "requests/s, redis-fast ÷ Redis (higher is better)", higher: true,
			value: func(s summary) float64 { return s.ratio }, ceiling: func(s summary) float64 { return s.ceilingRatio },
			twin: func(s summary) float64 { return s.twinRatio }},
		{title: "CPU per request, redis-fast ÷ Redis (lower is better)",
			value: func(s summary) float64 { return s.cpuRatio }, ceiling: func(s summary) float64 { return s.ceilingCPU },
			twin: func(s summary) float64 { return s.twinCPU }},
	}
	width := chartLabel + len(panels)*(chartPanel+chartGap)
	height := chartTop + len(sums)*chartRow + chartBottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	b.WriteString(`<text x="10" y="20" font-size="15" font-weight="bold">redis-fast ÷ Redis, per cell (median of per-round ratios)</text>` + "\n")
	legend(&b, slices.ContainsFunc(sums, func(s summary) bool { return !math.IsNaN(s.twinRatio) }))
	for i, s := range sums {
		y := chartTop + i*chartRow
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", chartLabel-10, y+13, escape(s.cell.String()))
		if i > 0 && groupOf(sums[i-1].cell) != groupOf(s.cell) {
			fmt.Fprintf(&b, `<line x1="10" x2="%d" y1="%d" y2="%d" stroke="#ccc"/>`+"\n", width-10, y, y)
		}
	}
	for k, p := range panels {
		p.draw(&b, chartLabel+k*(chartPanel+chartGap), sums)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func legend(b *strings.Builder, twin bool) {
	fmt.Fprintf(b, `<rect x="10" y="32" width="14" height="10" fill="#59a14f"/><text x="28" y="41">redis-fast better than Redis</text>`+"\n")
	fmt.Fprintf(b, `<rect x="200" y="32" width="14" height="10" fill="#f28e2b"/><text x="218" y="41">redis-fast worse</text>`+"\n")
	fmt.Fprintf(b, `<line x1="330" x2="330" y1="30" y2="44" stroke="black" stroke-width="2"/><text x="336" y="41">ceiling (bare gnet, fixed replies); ▸ n: off the scale, at n</text>`+"\n")
	fmt.Fprintf(b, `<line x1="690" x2="690" y1="30" y2="44" stroke="#555" stroke-dasharray="3,2"/><text x="696" y="41">Redis = 1</text>`+"\n")
	if twin {
		fmt.Fprintf(b, `<circle cx="776" cy="37" r="3.5" fill="#4e79a7"/><text x="784" y="41">Redis's twin (the same server twice: the noise)</text>`+"\n")
	}
}

// groupOf is the value size and pipeline a cell belongs to, for separators.
func groupOf(c cell) string { return fmt.Sprintf("%d/%d/%t", c.size, c.pipeline, c.test.sized) }

func (p panel) draw(b *strings.Builder, x0 int, sums []summary) {
	// The scale covers redis-fast's ratios and the ceiling's up to
	// maxCeiling; a ceiling beyond (a server-bound cell, where the ceiling
	// does no work) is written out past the edge instead.
	top := 1.5
	for _, s := range sums {
		if v := p.value(s); !math.IsNaN(v) && v > top {
			top = v
		}
		if c := p.ceiling(s); !math.IsNaN(c) && c > top && c <= maxCeiling {
			top = c
		}
	}
	top *= 1.08 // room for the value written after the longest bar
	step := 0.25
	if top > 3 {
		step = 0.5 * math.Ceil(top/6)
	}
	top = step * math.Ceil(top/step)
	x := func(v float64) float64 { return float64(x0) + v/top*chartPanel }
	bottom := chartTop + len(sums)*chartRow
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0, chartTop-22, escape(p.title))
	for v := 0.0; v <= top+1e-9; v += step {
		stroke := `stroke="#e4e4e4"`
		if math.Abs(v-1) < 1e-9 {
			stroke = `stroke="#555" stroke-dasharray="3,2"`
		}
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" %s/>`+"\n", x(v), x(v), chartTop-4, bottom, stroke)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%g</text>`+"\n", x(v), chartTop-7, v)
	}
	for i, s := range sums {
		y := chartTop + i*chartRow
		v := p.value(s)
		if math.IsNaN(v) {
			fmt.Fprintf(b, `<text x="%d" y="%d" fill="#888" font-style="italic">%s</text>`+"\n", x0+4, y+13, escape(s.status[serverFast]))
		} else {
			color := "#f28e2b"
			if (v >= 1) == p.higher || v == 1 {
				color = "#59a14f"
			}
			fmt.Fprintf(b, `<rect x="%d" y="%d" width="%.1f" height="12" fill="%s"/>`+"\n", x0, y+3, x(v)-float64(x0), color)
			fmt.Fprintf(b, `<text x="%.1f" y="%d">%.2f</text>`+"\n", x(v)+4, y+13, v)
		}
		if t := p.twin(s); !math.IsNaN(t) && t <= top {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%d" r="3.5" fill="#4e79a7"/>`+"\n", x(t), y+9)
		}
		switch c := p.ceiling(s); {
		case math.IsNaN(c):
		case c > top:
			fmt.Fprintf(b, `<text x="%.1f" y="%d">▸ %.1f</text>`+"\n", x(top)+4, y+13, c)
		default:
			fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="black" stroke-width="2"/>`+"\n", x(c), x(c), y+1, y+17)
		}
	}
}

// escape makes text safe inside an SVG text element.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
