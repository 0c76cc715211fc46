package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tandem/hub"
)

// tandem-hub person add, list, import and remove: a bad row names its line
// and imports nobody; a good file adds and, imported again, updates.
func TestPersonCommands(t *testing.T) {
	t.Parallel()
	dir, ctx := startHub(t)
	tenant := createTenant(ctx, t, dir, "Karoo Logistics")
	var out bytes.Buffer
	c, err := hub.DialAdmin(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		ps, err := c.People(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		return len(ps)
	}

	out.Reset()
	if err := run(ctx, []string{"person", "add", "--data", dir, "--tenant", tenant, "--name", "Thandi Nkosi", "--email", "thandi@karoo.example",
		"--phone", "+27 82 555 0101", "--account", "reception-pc:thandi", "--account", "laptop-7:thandi"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "(Thandi Nkosi) added") {
		t.Errorf("person add printed %q", out.String())
	}
	err = run(ctx, []string{"person", "add", "--data", dir, "--tenant", tenant, "--name", "X", "--account", "no-colon"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DEVICE:ACCOUNT") {
		t.Errorf("an account without a colon: %v", err)
	}
	err = run(ctx, []string{"person", "add", "--data", dir, "--tenant", tenant, "--name", "Impostor", "--account", "RECEPTION-PC:Thandi"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already belongs to Thandi Nkosi") {
		t.Errorf("a second person on the same account: %v", err)
	}

	write := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.csv", "name,email,phone,accounts\n"+
		"Sipho Dlamini,sipho@karoo.example,+27 82 555 0102,sim-0002:user2\n"+
		"Lerato Mokoena,not-an-address,+27 82 555 0103,sim-0003:user3\n")
	err = run(ctx, []string{"person", "import", "--data", dir, "--tenant", tenant, bad}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "line 3 (Lerato Mokoena)") || !strings.Contains(err.Error(), "email") || !strings.Contains(err.Error(), "nobody was imported") {
		t.Errorf("a bad row: %v", err)
	}
	if n := count(); n != 1 {
		t.Errorf("after a refused import the tenant has %d people, want the 1 added before", n)
	}
	clash := write("clash.csv", "name,accounts\nA,pc-1:a\nB,PC-1:A\n")
	err = run(ctx, []string{"person", "import", "--data", dir, "--tenant", tenant, clash}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "nobody was added") {
		t.Errorf("two rows with one account: %v", err)
	}
	if n := count(); n != 1 {
		t.Errorf("after a refused import the tenant has %d people, want 1", n)
	}
	for _, tc := range []struct{ body, want string }{
		{"", "the file is empty"},
		{"name,mobile\nA,1\n", `column "mobile"`},
		{"email\na@b.example\n", "no name column"},
		{"name,email\n\"A,a@b.example\n", "line 2"},
		{"name,email\n,a@b.example\n", "line 2: the name is empty"},
	} {
		err := run(ctx, []string{"person", "import", "--data", dir, "--tenant", tenant, write("x.csv", tc.body)}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("import of %q: %v, want %q", tc.body, err, tc.want)
		}
	}

	good := write("people.csv", "\ufeffName, Email, Phone, Accounts\n"+
		"Thandi Nkosi,thandi@karoo.example,+27 82 555 0199,reception-pc:thandi\n"+
		"Sipho Dlamini,sipho@karoo.example,+27 82 555 0102,sim-0002:user2; laptop-2:sipho\n\n")
	out.Reset()
	if err := run(ctx, []string{"person", "import", "--data", dir, "--tenant", tenant, good}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1 added, 1 updated") {
		t.Errorf("import printed %q", out.String())
	}
	// A person without an e-mail is known by their name: importing them
	// again updates them, not adds them twice.
	noMail := write("nomail.csv", "name,phone\nDave Dube,+27 82 555 0104\n")
	for _, want := range []string{"1 added, 0 updated", "0 added, 1 updated"} {
		out.Reset()
		if err := run(ctx, []string{"person", "import", "--data", dir, "--tenant", tenant, noMail}, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("import without e-mails printed %q, want %q", out.String(), want)
		}
	}
	out.Reset()
	if err := run(ctx, []string{"person", "list", "--data", dir, "--tenant", tenant}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	list := out.String()
	for _, want := range []string{"Thandi Nkosi", "+27 82 555 0199", "Sipho Dlamini", "sim-0002:user2 laptop-2:sipho"} {
		if !strings.Contains(list, want) {
			t.Errorf("person list lacks %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "laptop-7:thandi") {
		t.Errorf("the import did not replace Thandi's accounts:\n%s", list)
	}
	ps, err := c.People(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"person", "remove", "--data", dir, "--tenant", tenant, "--id", ps[0].ID}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("after a removal %d people, want 2", n)
	}
	if err := run(ctx, []string{"person", "remove", "--data", dir, "--tenant", tenant, "--id", ps[0].ID}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no person") {
		t.Errorf("removing twice: %v", err)
	}
	if err := run(ctx, []string{"person", "import", "--help"}, &out, io.Discard); err != nil {
		t.Errorf("person import --help: %v", err)
	}
}

// tenant set --price --currency --billing --contract-months sets how the
// tenant is billed, tenant show says it, and a wrong one is refused.
func TestTenantSetBilling(t *testing.T) {
	t.Parallel()
	dir, ctx := startHub(t)
	tenant := createTenant(ctx, t, dir, "Karoo Logistics")
	var out bytes.Buffer
	out.Reset()
	if err := run(ctx, []string{"tenant", "set", "--data", dir, "--id", tenant, "--price", "450", "--currency", "ZAR", "--billing", "seats",
		"--contract-months", "12", "--contract-start", "2026-01-01", "--alert-grace", "none"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"R450.00 per user per month excl. VAT (seats: the organisation's people), 12-month contract from 1 January 2026 to 31 December 2026", "new devices  off"} {
		if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("tenant set printed no %q:\n%s", want, out.String())
		}
	}
	c, err := hub.DialAdmin(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	tn, err := c.Tenant(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if tn.PricePerUser.Minor != 45000 || tn.PricePerUser.Currency != "ZAR" || tn.Billing.ContractMonths != 12 || tn.BillingBasis() != "seats" || tn.Alerts.EnrollGrace >= 0 {
		t.Errorf("stored %+v %+v grace %s", tn.PricePerUser, tn.Billing, tn.Alerts.EnrollGrace)
	}
	out.Reset()
	if err := run(ctx, []string{"tenant", "set", "--data", dir, "--id", tenant, "--price", "99.5", "--currency", "usd", "--billing", "devices"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "$99.50 per device per month") {
		t.Errorf("tenant set printed:\n%s", out.String())
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--billing", "people"}, "use seats, devices or active-users"},
		{[]string{"--price", "4,50"}, "not an amount"},
		{[]string{"--price", "4.505"}, "decimals"},
		{[]string{"--currency", "ZAR"}, "give the price in ZAR too"},
		{[]string{"--contract-months", "99"}, "contract_months"},
		{[]string{"--contract-start", "1 Jan"}, "contract_start"},
		{[]string{"--alert-grace", "soon"}, "--alert-grace"},
	} {
		err := run(ctx, append([]string{"tenant", "set", "--data", dir, "--id", tenant}, tc.args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tenant set %v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
