package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"tandem/hub"
	"tandem/msp"
)

// personAdd adds one of a tenant's people.
func personAdd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("person add")
	dial := operatorFlags(fs)
	tenant := fs.String("tenant", "", "tenant id")
	name := fs.String("name", "", "the person's name")
	email := fs.String("email", "", "their e-mail address")
	phone := fs.String("phone", "", "the number to call them back on")
	var accounts listFlag
	fs.Var(&accounts, "account", "DEVICE:ACCOUNT, their login on a computer (its hostname or id); repeat for several")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tenant == "" || *name == "" {
		return usageError{"person add: --tenant and --name are required"}
	}
	in := hub.PersonInput{Name: *name, Email: *email, Phone: *phone}
	for _, a := range accounts {
		pa, err := msp.ParsePersonAccount(a)
		if err != nil {
			return usageError{"person add: --account: " + err.Error()}
		}
		in.Accounts = append(in.Accounts, pa)
	}
	c, err := dial()
	if err != nil {
		return err
	}
	resp, err := c.AddPeople(ctx, *tenant, []hub.PersonInput{in}, false)
	if err != nil {
		return err
	}
	for _, p := range resp.People {
		fmt.Fprintf(stdout, "person %s (%s) added\n", p.ID, p.Name)
	}
	return nil
}

// personList lists a tenant's people.
func personList(ctx context.Context, args []string, stdout io.Writer) error {
	return listing(ctx, "person list", args, stdout, (*hub.AdminClient).People,
		"ID\tNAME\tEMAIL\tPHONE\tACCOUNTS", func(p msp.Person) string {
			var accts []string
			for _, a := range p.Accounts {
				accts = append(accts, a.String())
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", p.ID, p.Name, p.Email, p.Phone, strings.Join(accts, " "))
		})
}

// personRemove removes one of a tenant's people, with their data.
func personRemove(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("person remove")
	dial := operatorFlags(fs)
	tenant := fs.String("tenant", "", "tenant id")
	id := fs.String("id", "", "the person's id, as person list shows it")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tenant == "" || *id == "" {
		return usageError{"person remove: --tenant and --id are required"}
	}
	c, err := dial()
	if err != nil {
		return err
	}
	p, err := c.RemovePerson(ctx, *tenant, *id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "person %s (%s) removed; their tickets show their login again\n", p.ID, p.Name)
	return nil
}

// personImport adds or updates a tenant's people from a CSV file: all of
// them, or, when one row is wrong, none.
func personImport(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("person import")
	dial := operatorFlags(fs)
	tenant := fs.String("tenant", "", "tenant id")
	if err := fs.Parse(args); err != nil {
		return parse(fs, args) // the usual help and errors
	}
	if fs.NArg() == 0 {
		return usageError{"person import: give the CSV file: tandem-hub person import --tenant ID FILE.csv"}
	}
	path := fs.Arg(0)
	if err := parse(fs, fs.Args()[1:]); err != nil { // flags after the file
		return err
	}
	if *tenant == "" {
		return usageError{"person import: --tenant ID is required"}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("person import: %w", err)
	}
	defer f.Close()
	people, err := ReadPeopleCSV(f)
	if err != nil {
		return fmt.Errorf("person import: %s: %w; nobody was imported", path, err)
	}
	c, err := dial()
	if err != nil {
		return err
	}
	resp, err := c.AddPeople(ctx, *tenant, people, true)
	if err != nil {
		return fmt.Errorf("person import: %s: %w", path, err)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "%d added, %d updated from %s\n", resp.Added, resp.Updated, path)
	return w.Flush()
}

// peopleColumns are the columns of a people CSV file.
var peopleColumns = []string{"name", "email", "phone", "accounts"}

// ReadPeopleCSV reads a people file: a header row naming the columns
// name, email, phone and accounts (any order; name is required, the
// others may be left out), then one person a row. accounts holds
// DEVICE:ACCOUNT entries separated by spaces or semicolons. A wrong row
// fails the whole file with its line number.
func ReadPeopleCSV(r io.Reader) ([]hub.PersonInput, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty; its first line names the columns: name,email,phone,accounts")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range peopleColumns {
			known = known || c == h
		}
		if !known {
			return nil, fmt.Errorf("line 1: column %q is not one of %s", h, strings.Join(peopleColumns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("line 1: column %q is there twice", h)
		}
		col[h] = i
	}
	if _, ok := col["name"]; !ok {
		return nil, errors.New("line 1: there is no name column; the first line names the columns: name,email,phone,accounts")
	}
	var out []hub.PersonInput
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err // a csv.ParseError, which names the line
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) > len(header) {
			return nil, fmt.Errorf("line %d: %d fields, but the header names %d columns", line, len(rec), len(header))
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		in := hub.PersonInput{Line: line, Name: get("name"), Email: get("email"), Phone: get("phone")}
		if in.Name == "" {
			return nil, fmt.Errorf("line %d: the name is empty", line)
		}
		for _, a := range strings.FieldsFunc(get("accounts"), func(r rune) bool { return r == ' ' || r == ';' }) {
			pa, err := msp.ParsePersonAccount(a)
			if err != nil {
				return nil, fmt.Errorf("line %d (%s): %w", line, in.Name, err)
			}
			in.Accounts = append(in.Accounts, pa)
		}
		p := msp.Person{ID: "check", Tenant: "check", Name: in.Name, Email: in.Email, Phone: in.Phone, Accounts: in.Accounts}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("line %d (%s): %w", line, in.Name, err)
		}
		out = append(out, in)
		if len(out) > msp.MaxPeople {
			return nil, fmt.Errorf("line %d: more than %d people in one file; split it", line, msp.MaxPeople)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("there is nobody in the file after the header")
	}
	return out, nil
}
