package report

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tandem/msp"
)

// The bill counts what the tenant's basis says, never the people who
// raised a ticket: its people (seats), its enrolled devices, or its people
// on a device that checked in during the month.
func TestBillingBases(t *testing.T) {
	for _, tc := range []struct {
		basis msp.BillingBasis
		want  []string
		total string
	}{
		{msp.BillSeats, []string{"Alice Adams", "Bob Botha", "Carol Cele", "Dave Dube"}, "R600.00"},
		{msp.BillDevices, []string{"pc-1", "pc-2", "pc-3"}, "R450.00"},
		// Carol's pc-4 is retired and Dave has no account: Alice (pc-1 by
		// hostname) and Bob (d2 by id) used devices that checked in.
		{msp.BillActiveUsers, []string{"Alice Adams", "Bob Botha"}, "R300.00"},
	} {
		in := fixture()
		in.Tenant.Billing = msp.Billing{Basis: tc.basis, ContractMonths: 12, ContractStart: "2026-01-01"}
		r, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, b := range r.Billed {
			names = append(names, b.Name)
		}
		if strings.Join(names, ",") != strings.Join(tc.want, ",") || r.Users != len(tc.want) || r.Total.String() != tc.total {
			t.Errorf("%s: billed %v (%d), total %s; want %v, %s", tc.basis, names, r.Users, r.Total, tc.want, tc.total)
		}
		if !strings.Contains(r.BillingDetail(), "12-month contract from 1 January 2026 to 31 December 2026") ||
			!strings.Contains(r.BillingDetail(), "× R150.00 per "+tc.basis.Unit()+" per month") {
			t.Errorf("%s: detail %q", tc.basis, r.BillingDetail())
		}
	}
	in := fixture()
	in.People = nil
	r, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Users != 0 || !strings.Contains(r.BillingDetail(), "tandem-hub person add") {
		t.Errorf("seats without people: %d, %q; want 0 and how to add them", r.Users, r.BillingDetail())
	}
}

// The PDF lists every seat and every late ticket, however many, over as
// many pages as they take, with price × count and the contract; never
// "and N more".
func TestPDFFullLists(t *testing.T) {
	in := fixture()
	in.Tenant.PricePerUser = msp.Money{Minor: 45000, Currency: "ZAR"}
	in.Tenant.Billing = msp.Billing{Basis: msp.BillSeats, ContractMonths: 12, ContractStart: "2026-01-01"}
	in.People = nil
	for i := range 130 {
		in.People = append(in.People, msp.Person{ID: fmt.Sprintf("p%03d", i), Tenant: "acme", Name: fmt.Sprintf("Person %03d Nkosi", i),
			Email: fmt.Sprintf("p%03d@acme.example", i), Phone: "+27 82 555 0101"})
	}
	for i := range 20 {
		tk := ticket(fmt.Sprintf("late%02d", i), msp.P1, msp.PillarHelpdesk, msp.PartyMSP, "alice", at(11, 2+i, 20, 0))
		tk.Title = fmt.Sprintf("Late ticket %02d", i)
		in.Tickets = append(in.Tickets, tk)
	}
	r, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Users != 130 || r.Total.String() != "R58,500.00" || len(r.Late) != 22 {
		t.Fatalf("billed %d for %s with %d late; want 130, R58,500.00, 22", r.Users, r.Total, len(r.Late))
	}
	var b bytes.Buffer
	if err := WritePDF(&b, r); err != nil {
		t.Fatal(err)
	}
	checkPDF(t, b.Bytes(), 5) // the month; the late tickets and the bill; the rest of the 130 people
	keep(t, "billing.pdf", b.Bytes())
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext is not installed (Debian: poppler-utils); the page count was checked")
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	for i := range 130 {
		if want := fmt.Sprintf("Person %03d Nkosi", i); !strings.Contains(text, want) {
			t.Errorf("the PDF does not list %s", want)
		}
	}
	for i := range 20 {
		if want := fmt.Sprintf("Late ticket %02d", i); !strings.Contains(text, want) {
			t.Errorf("the PDF does not list %s", want)
		}
	}
	for _, want := range []string{"130 users × R450.00 = R58,500.00 excl. VAT", "12-month contract from 1 January 2026 to 31 December 2026", "page 5 of 5"} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	if strings.Contains(text, " more.") {
		t.Errorf("the PDF cuts a list short:\n%s", text)
	}
}
