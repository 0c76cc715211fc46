package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"html/template"
	"io"
	"strings"
	"time"
)

// Colours shared by the HTML and PDF renderings.
var (
	colInk    = [3]int{0x1f, 0x29, 0x37}
	colMuted  = [3]int{0x6b, 0x72, 0x80}
	colAccent = [3]int{0x25, 0x63, 0xeb}
	colGood   = [3]int{0x16, 0xa3, 0x4a}
	colWarn   = [3]int{0xd9, 0x77, 0x06}
	colBad    = [3]int{0xdc, 0x26, 0x26}
	colTrack  = [3]int{0xe5, 0xe7, 0xeb}
)

func hexOf(c [3]int) string { return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]) }

// slaColour is green at 95% or more, amber from 80%, red below.
func slaColour(p float64) [3]int {
	switch {
	case p >= 95:
		return colGood
	case p >= 80:
		return colWarn
	}
	return colBad
}

// WriteHTML writes r as one self-contained HTML page: CSS and charts
// (SVG) inline, the logo as a data URL, nothing fetched. It prints on one
// A4 page.
func WriteHTML(w io.Writer, r *Report) error {
	var buf bytes.Buffer
	if err := page.Execute(&buf, view{r}); err != nil {
		return fmt.Errorf("rendering the HTML report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the HTML report: %w", err)
	}
	return nil
}

// view adds what the template needs to a Report.
type view struct{ *Report }

func (v view) Logo() template.URL {
	if len(v.LogoPNG) == 0 {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(v.LogoPNG))
}

func (v view) GeneratedText() string {
	return v.Generated.In(v.Zone()).Format("2 January 2006 15:04 MST")
}

func (v view) AsOfText() string {
	return v.AsOf.Add(-1).In(v.Zone()).Format("2 January 2006")
}

// PendingNowText says what the latest inventories show.
func (v view) PendingNowText() string {
	return fmt.Sprintf("Now: %s security updates waiting, %s a restart.",
		countOf(v.SecurityPendingNow, "device has", "devices have"), countOf(v.RebootPendingNow, "needs", "need"))
}

func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// When writes a time of the month for people: "3 Nov 14:05".
func (v view) When(t time.Time) string { return t.In(v.Zone()).Format("2 Jan 15:04") }

func (v view) SilentText() string { return FormatDuration(v.SilentAfter) }

func (v view) MTTRText() string         { return FormatDuration(v.MTTR) }
func (v view) MTTRBusinessText() string { return FormatDuration(v.MTTRBusiness) }

// PatchNow is the compliance of the last week measured.
func (v view) PatchNow() string {
	if len(v.Patch) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", v.Patch[len(v.Patch)-1].Percent())
}

func (v view) SLAClass() string {
	p, ok := v.SLAOverall.Percent()
	if !ok {
		return ""
	}
	switch slaColour(p) {
	case colGood:
		return "good"
	case colWarn:
		return "warn"
	}
	return "bad"
}

func (v view) TargetText(row SLARow) string {
	s := FormatDuration(row.Target)
	if row.AllHours {
		return s + " (24/7)"
	}
	return s + " (business hours)"
}

func (v view) SLABar(row SLARow) template.HTML {
	p, ok := row.Percent()
	if !ok {
		return template.HTML(`<svg class="minibar" viewBox="0 0 100 8" aria-hidden="true"><rect width="100" height="8" rx="2" fill="` + hexOf(colTrack) + `"/></svg>`)
	}
	return template.HTML(fmt.Sprintf(`<svg class="minibar" viewBox="0 0 100 8" aria-hidden="true"><rect width="100" height="8" rx="2" fill="%s"/><rect width="%.1f" height="8" rx="2" fill="%s"/></svg>`,
		hexOf(colTrack), p, hexOf(slaColour(p))))
}

func (v view) PillarChart() template.HTML { return hbars(sortedCounts(v.ByPillar), colAccent) }
func (v view) OwnerChart() template.HTML  { return hbars(v.ByOwner, colInk) }
func (v view) AlertChart() template.HTML {
	if len(v.Alerts) == 0 {
		return template.HTML(`<p class="none">No alerts this month.</p>`)
	}
	return hbars(v.Alerts, colWarn)
}

// hbars draws one horizontal bar per count, labelled, scaled to the largest.
func hbars(cs []Count, colour [3]int) template.HTML {
	const width, rowH, labelW, numW = 320, 18, 130, 34
	max := 0
	for _, c := range cs {
		max = maxInt(max, c.N)
	}
	var b strings.Builder
	h := rowH * len(cs)
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="100%%" role="img">`, width, h)
	for i, c := range cs {
		y := i * rowH
		barW := 0.0
		if max > 0 {
			barW = float64(width-labelW-numW) * float64(c.N) / float64(max)
		}
		fmt.Fprintf(&b, `<text x="0" y="%d" class="lbl">%s</text>`, y+13, html.EscapeString(c.Label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="12" rx="2" fill="%s"/>`, labelW, y+3, width-labelW-numW, hexOf(colTrack))
		if barW > 0 {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="12" rx="2" fill="%s"/>`, labelW, y+3, barW, hexOf(colour))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="num" text-anchor="end">%d</text>`, width, y+13, c.N)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// PatchChart draws patch compliance by week as columns with their share.
func (v view) PatchChart() template.HTML {
	if len(v.Patch) == 0 {
		return template.HTML(`<p class="none">No weeks to show yet.</p>`)
	}
	const width, height, top, bottom = 320, 120, 14, 18
	plot := height - top - bottom
	colW := float64(width) / float64(len(v.Patch))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="100%%" role="img">`, width, height)
	for _, y := range []int{0, 50, 100} {
		yy := float64(top) + float64(plot)*(1-float64(y)/100)
		fmt.Fprintf(&b, `<line x1="0" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="0.5"/>`, width, yy, yy, hexOf(colTrack))
	}
	for i, w := range v.Patch {
		p := w.Percent()
		barH := float64(plot) * p / 100
		x := float64(i)*colW + colW*0.2
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="2" fill="%s"/>`,
			x, float64(top+plot)-barH, colW*0.6, barH, hexOf(slaColour(p)))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="num" text-anchor="middle">%.0f%%</text>`, x+colW*0.3, float64(top+plot)-barH-3, p)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="lbl" text-anchor="middle">%s</text>`, x+colW*0.3, height-4, html.EscapeString(w.Label))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{"inc": func(i int) int { return i + 1 }}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.TenantName}} — IT service report, {{.Month}}</title>
<style>
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.35 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2937; margin: 0 auto; max-width: 190mm; padding: 10mm 0; }
header { display: flex; align-items: center; justify-content: space-between; border-bottom: 2px solid #2563eb; padding-bottom: 6px; margin-bottom: 10px; }
header .brand { display: flex; align-items: center; gap: 10px; }
header img { max-height: 40px; max-width: 140px; }
header .msp { font-weight: 600; font-size: 12pt; }
header .meta { text-align: right; color: #6b7280; font-size: 9pt; }
h1 { font-size: 16pt; margin: 0; }
h2 { font-size: 11pt; margin: 12px 0 4px; color: #1f2937; border-bottom: 1px solid #e5e7eb; padding-bottom: 2px; }
.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 6px; margin: 8px 0; }
.tile { border: 1px solid #e5e7eb; border-radius: 6px; padding: 6px 8px; }
.tile .v { font-size: 15pt; font-weight: 700; }
.tile .k { font-size: 8pt; color: #6b7280; }
.good { color: #16a34a; } .warn { color: #d97706; } .bad { color: #dc2626; }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; }
th, td { text-align: right; padding: 2px 6px; border-bottom: 1px solid #f3f4f6; }
th:first-child, td:first-child { text-align: left; }
th { color: #6b7280; font-weight: 600; }
tr.total td { font-weight: 700; border-top: 1px solid #9ca3af; }
.minibar { width: 70px; height: 8px; vertical-align: middle; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 18px; }
.chart { display: block; font-size: 9px; }
.chart .lbl { fill: #1f2937; } .chart .num { fill: #6b7280; font-weight: 600; }
.none { color: #6b7280; font-style: italic; margin: 4px 0; }
.notes { color: #6b7280; font-size: 8pt; margin-top: 10px; border-top: 1px solid #e5e7eb; padding-top: 4px; }
.bill { font-size: 12pt; font-weight: 700; }
@media print { body { padding: 0; } .tile, .chart { break-inside: avoid; } }
</style>
</head>
<body>
<header>
  <div class="brand">
    {{with .Logo}}<img src="{{.}}" alt="">{{end}}
    <div><div class="msp">{{.MSPName}}</div><h1>{{.TenantName}}</h1></div>
  </div>
  <div class="meta">IT service report<br><strong>{{.Month}}</strong><br>{{.Mode}}</div>
</header>

<section class="tiles">
  <div class="tile"><div class="v {{.SLAClass}}" id="sla-overall">{{.SLAOverall.PercentText}}</div><div class="k">first responses on time</div></div>
  <div class="tile"><div class="v" id="opened">{{.Opened}}</div><div class="k">tickets opened ({{.Resolved}} resolved)</div></div>
  <div class="tile"><div class="v" id="mttr">{{.MTTRText}}</div><div class="k">mean time to resolve</div></div>
  <div class="tile"><div class="v" id="devices">{{.Devices}}</div><div class="k">devices ({{.Silent}} silent)</div></div>
  <div class="tile"><div class="v" id="patch">{{.PatchNow}}</div><div class="k">patch compliance</div></div>
  <div class="tile"><div class="v" id="alerts">{{.AlertsTotal}}</div><div class="k">alerts raised</div></div>
</section>

<h2>Response times against the SLA</h2>
<table>
<tr><th>Priority</th><th>First response within</th><th>Tickets</th><th>On time</th><th>Late</th><th>Waiting</th><th>Attainment</th><th></th></tr>
{{range .SLA}}<tr><td>{{.Label}}</td><td>{{$.TargetText .}}</td><td>{{.Tickets}}</td><td>{{.Met}}</td><td>{{.Breached}}</td><td>{{.Pending}}</td><td>{{.PercentText}}</td><td>{{$.SLABar .}}</td></tr>
{{end}}<tr class="total"><td>All priorities</td><td></td><td>{{.SLAOverall.Tickets}}</td><td>{{.SLAOverall.Met}}</td><td>{{.SLAOverall.Breached}}</td><td>{{.SLAOverall.Pending}}</td><td>{{.SLAOverall.PercentText}}</td><td>{{$.SLABar .SLAOverall}}</td></tr>
</table>

<div class="grid">
  <section><h2>Tickets by service area</h2>{{.PillarChart}}</section>
  <section><h2>Tickets by owner</h2>{{.OwnerChart}}
    <p>Mean time to resolve: <strong>{{.MTTRText}}</strong> ({{.MTTRBusinessText}} in business hours) over {{.MTTRCount}} resolved tickets. Open at the end of the period: <strong>{{.OpenAtEnd}}</strong>.</p>
  </section>
  <section><h2>Patch compliance by week</h2>{{.PatchChart}}
    <p>Share of devices without security updates pending for more than {{.PatchAfterDays}} days. {{.PendingNowText}}</p>
  </section>
  <section><h2>Alerts by condition</h2>{{.AlertChart}}
    <p>Devices: <strong>{{.Devices}}</strong> enrolled, <strong>{{.Silent}}</strong> silent (no check-in for more than {{.SilentText}}) on {{.AsOfText}}.</p>
  </section>
</div>

<h2>First responses that missed the target</h2>
{{if .Late}}<table>
<tr><th>Ticket</th><th>Priority</th><th>Owner</th><th>Raised</th><th>First response</th><th>Over target by</th></tr>
{{range .Late}}<tr><td>{{.Title}}</td><td>{{.Priority}}</td><td>{{.Owner}}</td><td>{{$.When .CreatedAt}}</td><td>{{if .RespondedAt.IsZero}}none yet{{else}}{{$.When .RespondedAt}}{{end}}</td><td>{{.OverText}}</td></tr>
{{end}}</table>
{{else}}<p class="none">None: every first response this month was on time.</p>{{end}}

<h2>Billing preview</h2>
<p><span class="bill" id="billing">{{.BillingText}}</span> — {{.BillingDetail}}</p>
{{if .Billed}}<table id="billed">
<tr><th>No.</th><th>{{if eq .Unit "device"}}Device{{else}}Person{{end}}</th><th>Details</th><th>Per month</th></tr>
{{range $i, $b := .Billed}}<tr><td>{{inc $i}}</td><td>{{$b.Name}}</td><td>{{$b.Detail}}</td><td>{{$.PricePerUser}}</td></tr>
{{end}}<tr><th></th><th>{{.Users}} in all</th><th>Total excl. VAT</th><th>{{.Total}}</th></tr>
</table>{{end}}

<p class="notes">First response: the first reply to the requester by a technician or the IT lead, measured against the target of the ticket's priority in the hours shown. Attainment counts tickets opened in {{.Month}} whose first response is decided; "waiting" tickets are still within target. Tickets the hub raised for alerts are counted under alerts only. Support: {{.MSPName}}{{with .MSPPhone}}, {{.}}{{end}}{{with .MSPEmail}}, {{.}}{{end}}. Generated {{.GeneratedText}}.</p>
</body>
</html>
`))
