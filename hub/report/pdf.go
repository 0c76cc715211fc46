package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"

	"tandem/msp"
)

// A4 page, millimetres.
const (
	pageW    = 210.0
	pageH    = 297.0
	margin   = 12.0
	contentW = pageW - 2*margin
)

// WritePDF writes r as A4 pages, with the same content as WriteHTML and
// the charts drawn with PDF primitives: the month on the first page, which
// it fails rather than spill over, and then the full lists, as many pages
// as they take: the late tickets the first page has no room for and every
// seat, device or user billed, with the price, the count and the contract.
func WritePDF(w io.Writer, r *Report) error {
	p := &pdfPage{f: fpdf.New("P", "mm", "A4", ""), r: r}
	p.f.SetMargins(margin, margin, margin)
	p.f.SetAutoPageBreak(false, margin)
	p.f.SetTitle(fmt.Sprintf("%s - IT service report, %s", r.TenantName, r.Month), true)
	p.f.SetAuthor(r.MSPName, true)
	p.f.SetCreator("Tandem", false)
	p.f.SetCreationDate(r.Generated)
	p.f.SetModificationDate(r.Generated)
	p.f.AliasNbPages("{nb}")
	p.f.SetFooterFunc(func() {
		p.font("", 7, colMuted)
		p.textRight(pageW-margin, pageH-5, fmt.Sprintf("page %d of {nb}", p.f.PageNo()))
	})
	p.f.AddPage()
	p.draw()
	if p.overflow {
		return fmt.Errorf("drawing the PDF report: the month's figures do not fit on the first A4 page")
	}
	p.lists()
	if err := p.f.Error(); err != nil {
		return fmt.Errorf("drawing the PDF report: %w", err)
	}
	var buf bytes.Buffer
	if err := p.f.Output(&buf); err != nil {
		return fmt.Errorf("drawing the PDF report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the PDF report: %w", err)
	}
	return nil
}

type pdfPage struct {
	f        *fpdf.Fpdf
	r        *Report
	y        float64
	overflow bool // the body ran into the footnote
}

// latin converts text to the Windows-1252 bytes of the core fonts; runes
// it lacks print as '?'.
func latin(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80 || (r >= 0xa0 && r <= 0xff):
			b.WriteByte(byte(r))
		case r == '€':
			b.WriteByte(0x80)
		case r == '–':
			b.WriteByte(0x96)
		case r == '—':
			b.WriteByte(0x97)
		case r == '‘':
			b.WriteByte(0x91)
		case r == '’':
			b.WriteByte(0x92)
		case r == '“':
			b.WriteByte(0x93)
		case r == '”':
			b.WriteByte(0x94)
		case r == '•':
			b.WriteByte(0x95)
		case r == '₦':
			b.WriteByte('N')
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

func (p *pdfPage) colour(kind string, c [3]int) {
	switch kind {
	case "fill":
		p.f.SetFillColor(c[0], c[1], c[2])
	case "draw":
		p.f.SetDrawColor(c[0], c[1], c[2])
	default:
		p.f.SetTextColor(c[0], c[1], c[2])
	}
}

func (p *pdfPage) font(style string, size float64, c [3]int) {
	p.f.SetFont("Helvetica", style, size)
	p.colour("text", c)
}

// text writes s with its baseline at (x, y).
func (p *pdfPage) text(x, y float64, s string) { p.f.Text(x, y, latin(s)) }

// textRight writes s ending at x.
func (p *pdfPage) textRight(x, y float64, s string) {
	s = latin(s)
	p.f.Text(x-p.f.GetStringWidth(s), y, s)
}

func (p *pdfPage) textCentre(x, y float64, s string) {
	s = latin(s)
	p.f.Text(x-p.f.GetStringWidth(s)/2, y, s)
}

// fit shortens s with an ellipsis until it is at most w wide.
func (p *pdfPage) fit(s string, w float64) string {
	if p.f.GetStringWidth(latin(s)) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 1 && p.f.GetStringWidth(latin(string(rs)+"...")) > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "..."
}

func (p *pdfPage) draw() {
	p.header()
	p.tiles()
	p.slaTable()
	p.charts()
	p.late()
	p.billing()
	p.notes()
}

func (p *pdfPage) header() {
	r, f := p.r, p.f
	x := margin
	top := margin
	if len(r.LogoPNG) > 0 {
		info := f.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(r.LogoPNG))
		if f.Ok() && info != nil && info.Height() > 0 {
			h := 12.0
			w := h * info.Width() / info.Height()
			if w > 40 {
				w, h = 40, 40*info.Height()/info.Width()
			}
			f.ImageOptions("logo", x, top, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			x += w + 4
		} else {
			f.ClearError() // a logo that will not decode is left out, not fatal
		}
	}
	p.font("B", 11, colAccent)
	p.text(x, top+4.5, r.MSPName)
	size := 18.0 // shrink a long name before cutting it
	for p.font("B", size, colInk); size > 12 && p.f.GetStringWidth(latin(r.TenantName)) > 120; size-- {
		p.font("B", size-1, colInk)
	}
	p.text(x, top+11.5, p.fit(r.TenantName, 120))
	p.font("", 9, colMuted)
	p.textRight(pageW-margin, top+4, "IT service report")
	p.font("B", 11, colInk)
	p.textRight(pageW-margin, top+9, r.Month)
	p.font("", 9, colMuted)
	p.textRight(pageW-margin, top+13.5, r.Mode)
	p.colour("draw", colAccent)
	f.SetLineWidth(0.6)
	f.Line(margin, top+16, pageW-margin, top+16)
	p.y = top + 20
}

func (p *pdfPage) tiles() {
	r := p.r
	v := view{r}
	type tile struct {
		value, label string
		c            [3]int
	}
	sla := colInk
	if pc, ok := r.SLAOverall.Percent(); ok {
		sla = slaColour(pc)
	}
	ts := []tile{
		{r.SLAOverall.PercentText(), "first responses\non time", sla},
		{fmt.Sprint(r.Opened), fmt.Sprintf("tickets opened\n%d resolved", r.Resolved), colInk},
		{v.MTTRText(), "mean time\nto resolve", colInk},
		{fmt.Sprint(r.Devices), fmt.Sprintf("devices\n%d silent", r.Silent), colInk},
		{v.PatchNow(), "patch compliance\n(last week)", colInk},
		{fmt.Sprint(r.AlertsTotal), "alerts\nraised", colInk},
	}
	gap := 2.5
	w := (contentW - gap*float64(len(ts)-1)) / float64(len(ts))
	for i, t := range ts {
		x := margin + float64(i)*(w+gap)
		p.colour("draw", colTrack)
		p.f.SetLineWidth(0.3)
		p.f.RoundedRect(x, p.y, w, 18, 1.5, "1234", "D")
		p.font("B", 14, t.c)
		p.text(x+2.5, p.y+7.5, p.fit(t.value, w-5))
		p.font("", 7, colMuted)
		for j, line := range strings.Split(t.label, "\n") {
			p.text(x+2.5, p.y+12+float64(j)*3.2, p.fit(line, w-5))
		}
	}
	p.y += 22
}

func (p *pdfPage) heading(x, w float64, s string) {
	p.font("B", 10.5, colInk)
	p.text(x, p.y+4, s)
	p.colour("draw", colTrack)
	p.f.SetLineWidth(0.3)
	p.f.Line(x, p.y+5.5, x+w, p.y+5.5)
}

func (p *pdfPage) slaTable() {
	r := p.r
	v := view{r}
	p.heading(margin, contentW, "Response times against the SLA")
	p.y += 7
	cols := []struct {
		title string
		w     float64
		right bool
	}{
		{"Priority", 28, false}, {"First response within", 46, false}, {"Tickets", 18, true}, {"On time", 18, true},
		{"Late", 16, true}, {"Waiting", 18, true}, {"Attainment", 20, true}, {"", 22, false},
	}
	row := func(cells []string, bar *SLARow, bold bool, c [3]int) {
		x := margin
		style := ""
		if bold {
			style = "B"
		}
		for i, col := range cols {
			if i == len(cols)-1 && bar != nil {
				p.miniBar(x+2, p.y+1.3, col.w-2, 2.6, *bar)
				break
			}
			p.font(style, 8.5, c)
			s := p.fit(cells[i], col.w-2)
			if col.right {
				p.textRight(x+col.w-1, p.y+3.6, s)
			} else {
				p.text(x+1, p.y+3.6, s)
			}
			x += col.w
		}
		p.y += 5
	}
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	row(titles, nil, true, colMuted)
	for _, s := range r.SLA {
		row([]string{s.Label, v.TargetText(s), fmt.Sprint(s.Tickets), fmt.Sprint(s.Met), fmt.Sprint(s.Breached), fmt.Sprint(s.Pending), s.PercentText(), ""}, &s, false, colInk)
	}
	p.colour("draw", colMuted)
	p.f.SetLineWidth(0.2)
	p.f.Line(margin, p.y, margin+contentW, p.y)
	o := r.SLAOverall
	row([]string{"All priorities", "", fmt.Sprint(o.Tickets), fmt.Sprint(o.Met), fmt.Sprint(o.Breached), fmt.Sprint(o.Pending), o.PercentText(), ""}, &o, true, colInk)
	p.y += 2
}

func (p *pdfPage) miniBar(x, y, w, h float64, row SLARow) {
	p.colour("fill", colTrack)
	p.f.Rect(x, y, w, h, "F")
	if pc, ok := row.Percent(); ok && pc > 0 {
		p.colour("fill", slaColour(pc))
		p.f.Rect(x, y, w*pc/100, h, "F")
	}
}

// hbars draws horizontal bars at the current y in a column; it returns the
// height used.
func (p *pdfPage) hbars(x, y, w float64, cs []Count, c [3]int) float64 {
	const rowH, labelW, numW = 5.0, 40.0, 10.0
	maxN := 0
	for _, n := range cs {
		maxN = maxInt(maxN, n.N)
	}
	for i, n := range cs {
		yy := y + float64(i)*rowH
		p.font("", 8, colInk)
		p.text(x, yy+3.5, p.fit(n.Label, labelW-2))
		trackW := w - labelW - numW
		p.colour("fill", colTrack)
		p.f.Rect(x+labelW, yy+1, trackW, 3, "F")
		if maxN > 0 && n.N > 0 {
			p.colour("fill", c)
			p.f.Rect(x+labelW, yy+1, trackW*float64(n.N)/float64(maxN), 3, "F")
		}
		p.font("B", 8, colMuted)
		p.textRight(x+w, yy+3.5, fmt.Sprint(n.N))
	}
	return float64(len(cs)) * rowH
}

// para writes wrapped text in a column at y and returns the height used.
func (p *pdfPage) para(x, y, w float64, s string) float64 {
	p.font("", 8, colInk)
	p.f.SetXY(x, y)
	lines := p.f.SplitLines([]byte(latin(s)), w)
	p.f.MultiCell(w, 3.6, latin(s), "", "L", false)
	return float64(len(lines)) * 3.6
}

func (p *pdfPage) charts() {
	r := p.r
	v := view{r}
	gap := 8.0
	colW := (contentW - gap) / 2
	left, right := margin, margin+colW+gap

	// Row one: pillars | owners + resolution.
	p.heading(left, colW, "Tickets by service area")
	p.heading(right, colW, "Tickets by owner")
	top := p.y + 8
	hl := p.hbars(left, top, colW, sortedCounts(r.ByPillar), colAccent)
	hr := p.hbars(right, top, colW, r.ByOwner, colInk)
	hr += 2 + p.para(right, top+hr+2, colW, fmt.Sprintf(
		"Mean time to resolve: %s (%s in business hours) over %d resolved tickets. Open at the end of the period: %d.",
		v.MTTRText(), v.MTTRBusinessText(), r.MTTRCount, r.OpenAtEnd))
	p.y = top + float64(maxInt(int(hl), int(hr))) + 4

	// Row two: patch compliance | alerts + devices.
	p.heading(left, colW, "Patch compliance by week")
	p.heading(right, colW, "Alerts by condition")
	top = p.y + 8
	hl = p.patchChart(left, top, colW, 34)
	hl += 2 + p.para(left, top+hl+2, colW, fmt.Sprintf(
		"Share of devices without security updates pending for more than %d days. %s",
		r.PatchAfterDays, view{r}.PendingNowText()))
	if len(r.Alerts) == 0 {
		p.font("I", 8, colMuted)
		p.text(right, top+3.5, "No alerts this month.")
		hr = 5
	} else {
		hr = p.hbars(right, top, colW, r.Alerts, colWarn)
	}
	hr += 2 + p.para(right, top+hr+2, colW, fmt.Sprintf(
		"Devices: %d enrolled, %d silent (no check-in for more than %s) on %s.",
		r.Devices, r.Silent, v.SilentText(), v.AsOfText()))
	p.y = top + float64(maxInt(int(hl), int(hr))) + 4
}

// patchChart draws one column per week; it returns the height used.
func (p *pdfPage) patchChart(x, y, w, h float64) float64 {
	weeks := p.r.Patch
	if len(weeks) == 0 {
		p.font("I", 8, colMuted)
		p.text(x, y+3.5, "No weeks to show yet.")
		return 5
	}
	const top, bottom = 4.0, 5.0
	plot := h - top - bottom
	p.colour("draw", colTrack)
	p.f.SetLineWidth(0.2)
	for _, pc := range []float64{0, 50, 100} {
		yy := y + top + plot*(1-pc/100)
		p.f.Line(x, yy, x+w, yy)
	}
	colW := w / float64(len(weeks))
	for i, wk := range weeks {
		pc := wk.Percent()
		barH := plot * pc / 100
		bx := x + float64(i)*colW + colW*0.2
		p.colour("fill", slaColour(pc))
		if barH > 0 {
			p.f.Rect(bx, y+top+plot-barH, colW*0.6, barH, "F")
		}
		p.font("B", 7.5, colMuted)
		p.textCentre(bx+colW*0.3, y+top+plot-barH-1, fmt.Sprintf("%.0f%%", pc))
		p.font("", 7.5, colInk)
		p.textCentre(bx+colW*0.3, y+h-1, wk.Label)
	}
	return h
}

func (p *pdfPage) late() {
	r := p.r
	v := view{r}
	p.heading(margin, contentW, "First responses that missed the target")
	p.y += 7
	if len(r.Late) == 0 {
		p.font("I", 8, colMuted)
		p.text(margin, p.y+3.5, "None: every first response this month was on time.")
		p.y += 7
		return
	}
	cols := lateCols
	row := func(cells []string, style string, c [3]int) {
		x := margin
		for i, col := range cols {
			p.font(style, 8, c)
			p.text(x+1, p.y+3.4, p.fit(cells[i], col.w-2))
			x += col.w
		}
		p.y += 4.6
	}
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	row(titles, "B", colMuted)
	for _, l := range r.Late[:min(len(r.Late), MaxLate)] {
		row(lateCells(v, l), "", colInk)
	}
	if n := len(r.Late) - MaxLate; n > 0 {
		p.font("I", 8, colMuted)
		p.text(margin+1, p.y+3.4, fmt.Sprintf("The full list of all %d (%d more) follows the bill.", len(r.Late), n))
		p.y += 4.6
	}
	p.y += 2
}

// lateCols are the columns of the late tickets' table.
var lateCols = []struct {
	title string
	w     float64
}{{"Ticket", 58}, {"Priority", 22}, {"Owner", 28}, {"Raised", 22}, {"First response", 24}, {"Over target by", 32}}

func lateCells(v view, l LateTicket) []string {
	resp := "none yet"
	if !l.RespondedAt.IsZero() {
		resp = v.When(l.RespondedAt)
	}
	return []string{l.Title, l.Priority.String(), l.Owner, v.When(l.CreatedAt), resp, l.OverText()}
}

func cmpUnit(r *Report) string {
	if r.Unit == "" {
		return "user"
	}
	return r.Unit
}

func (p *pdfPage) billing() {
	r := p.r
	p.heading(margin, contentW, "Billing preview")
	p.y += 8
	p.font("B", 12, colInk)
	p.text(margin, p.y+4, r.BillingText())
	p.y += 6
	p.y += p.para(margin, p.y, contentW, r.BillingDetail()) + 1
	if len(r.Billed) > 0 {
		p.font("I", 8, colMuted)
		p.text(margin, p.y+3, fmt.Sprintf("Every %s billed is listed by name on page 2.", cmpUnit(r)))
		p.y += 5
	}
}

// listTop and listBottom bound the lists on the pages after the first.
const (
	listTop    = margin + 14
	listBottom = pageH - margin - 6
)

// lists draws the pages after the first: the late tickets the first page
// had no room for, then the bill with every seat, device or user on it.
func (p *pdfPage) lists() {
	r := p.r
	v := view{r}
	if len(r.Late) <= MaxLate && len(r.Billed) == 0 && r.PricePerUser.Minor == 0 {
		return
	}
	p.newPage()
	p.bill()
	if len(r.Late) > MaxLate {
		if p.y+30 > listBottom {
			p.newPage()
		}
		p.y += 6
		p.heading(margin, contentW, fmt.Sprintf("First responses that missed the target: all %d", len(r.Late)))
		p.y += 7
		header := func() { p.tableRow(lateTitles(), "B", colMuted) }
		header()
		for _, l := range r.Late {
			if p.y+4.6 > listBottom {
				p.newPage()
				p.heading(margin, contentW, fmt.Sprintf("First responses that missed the target, continued: all %d", len(r.Late)))
				p.y += 7
				header()
			}
			p.tableRow(lateCells(v, l), "", colInk)
		}
		p.y += 6
	}
}

// bill draws the bill: price × count, what was counted, the contract, and
// every seat, device or user by name.
func (p *pdfPage) bill() {
	r := p.r
	unit := cmpUnit(r)
	p.heading(margin, contentW, "Billing")
	p.y += 9
	p.font("B", 12, colInk)
	p.text(margin, p.y+4, fmt.Sprintf("%d %s × %s = %s excl. VAT", r.Users, plural(r.Users, unit), r.PricePerUser, r.Total))
	p.y += 8
	for _, line := range [][2]string{
		{"Price", fmt.Sprintf("%s per %s per month, excl. VAT", r.PricePerUser, unit)},
		{"Counted", r.UsersSource},
		{"Contract", r.Contract},
		{"Period", fmt.Sprintf("%s (%s to %s)", r.Month, r.From.Format("2 Jan 2006"), r.To.AddDate(0, 0, -1).Format("2 Jan 2006"))},
	} {
		if line[1] == "" {
			continue
		}
		p.font("B", 8.5, colMuted)
		p.text(margin, p.y+3.5, line[0])
		p.font("", 8.5, colInk)
		p.text(margin+22, p.y+3.5, p.fit(line[1], contentW-22))
		p.y += 5
	}
	p.y += 3
	if len(r.Billed) == 0 {
		p.font("I", 8.5, colMuted)
		p.text(margin, p.y+3.5, p.fit("Nobody is listed: "+r.UsersSource+".", contentW))
		p.y += 6
		return
	}
	cols := []float64{12, 62, 88, 24}
	cells := func(no, name, detail, price string, style string, c [3]int) {
		x := margin
		for i, s := range []string{no, name, detail, price} {
			p.font(style, 8, c)
			if i == 0 || i == 3 {
				p.textRight(x+cols[i]-1, p.y+3.4, p.fit(s, cols[i]-2))
			} else {
				p.text(x+1, p.y+3.4, p.fit(s, cols[i]-2))
			}
			x += cols[i]
		}
		p.y += 4.6
	}
	title := map[msp.BillingBasis]string{msp.BillDevices: "Device", msp.BillActiveUsers: "Active user"}[r.Basis]
	if title == "" {
		title = "Person"
	}
	detail := map[msp.BillingBasis]string{msp.BillDevices: "System, enrolled", msp.BillActiveUsers: "Contact, devices used"}[r.Basis]
	if detail == "" {
		detail = "E-mail, phone"
	}
	header := func() { cells("No.", title, detail, "Per month", "B", colMuted) }
	header()
	for i, b := range r.Billed {
		if p.y+4.6 > listBottom-6 {
			p.newPage()
			p.heading(margin, contentW, fmt.Sprintf("Billing, continued: %d %s in all", r.Users, plural(r.Users, unit)))
			p.y += 8
			header()
		}
		cells(fmt.Sprint(i+1), b.Name, b.Detail, r.PricePerUser.String(), "", colInk)
	}
	p.colour("draw", colMuted)
	p.f.SetLineWidth(0.2)
	p.f.Line(margin, p.y+0.5, margin+contentW, p.y+0.5)
	p.y += 1
	cells("", fmt.Sprintf("%d %s", r.Users, plural(r.Users, unit)), "Total excl. VAT", r.Total.String(), "B", colInk)
}

func lateTitles() []string {
	out := make([]string, len(lateCols))
	for i, c := range lateCols {
		out[i] = c.title
	}
	return out
}

// tableRow writes one row of the late tickets' table at p.y.
func (p *pdfPage) tableRow(cells []string, style string, c [3]int) {
	x := margin
	for i, col := range lateCols {
		p.font(style, 8, c)
		p.text(x+1, p.y+3.4, p.fit(cells[i], col.w-2))
		x += col.w
	}
	p.y += 4.6
}

// newPage starts a page of the lists under a short header.
func (p *pdfPage) newPage() {
	r := p.r
	p.f.AddPage()
	p.font("B", 10, colInk)
	p.text(margin, margin+4, p.fit(r.TenantName, 120))
	p.font("", 9, colMuted)
	p.textRight(pageW-margin, margin+4, "IT service report, "+r.Month)
	p.colour("draw", colAccent)
	p.f.SetLineWidth(0.4)
	p.f.Line(margin, margin+7, pageW-margin, margin+7)
	p.y = listTop
}

func (p *pdfPage) notes() {
	r := p.r
	v := view{r}
	support := r.MSPName
	if r.MSPPhone != "" {
		support += ", " + r.MSPPhone
	}
	if r.MSPEmail != "" {
		support += ", " + r.MSPEmail
	}
	s := fmt.Sprintf("First response: the first reply to the requester by a technician or the IT lead, measured against the target of the ticket's priority in the hours shown. "+
		"Attainment counts tickets opened in %s whose first response is decided; \"waiting\" tickets are still within target. Tickets the hub raised for alerts are counted under alerts only. Support: %s. Generated %s.",
		r.Month, support, v.GeneratedText())
	p.colour("draw", colTrack)
	p.f.SetLineWidth(0.3)
	y := pageH - margin - 12
	if p.y > y {
		p.overflow = true
	}
	p.f.Line(margin, y, pageW-margin, y)
	p.font("", 7, colMuted)
	p.f.SetXY(margin, y+1.5)
	p.f.MultiCell(contentW, 3.2, latin(s), "", "L", false)
}
