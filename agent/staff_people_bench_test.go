package agent

import (
	"fmt"
	"testing"

	"tandem/localapi"
	"tandem/msp"
)

// BenchmarkStaffSearchWithPeople is BenchmarkStaffTicketsFilterIndexOnly
// with 5,000 of the organisation's people known: a search also looks up
// who raised each ticket by name.
func BenchmarkStaffSearchWithPeople(b *testing.B) {
	a, user := staffBenchAgent(b, 100_000)
	ix, err := a.staffIndex(user)
	if err != nil {
		b.Fatal(err)
	}
	s, err := a.loadStaffSession(user)
	if err != nil {
		b.Fatal(err)
	}
	for i := range msp.MaxPeople {
		p := msp.Person{ID: fmt.Sprintf("p%05d", i), Tenant: s.Tenants[0], Name: fmt.Sprintf("Person %05d", i),
			Accounts: []msp.PersonAccount{{Device: fmt.Sprintf("pc-%05d", i), Account: fmt.Sprintf("user%d", i)}}}
		ix.setPerson(p.Tenant, p.ID, &p)
	}
	q := localapi.TicketQuery{Q: "printer", Status: localapi.StatusFilterOpen, Sort: localapi.SortDue}
	b.ResetTimer()
	for range b.N {
		if _, _, err := ix.query(q, s.Tenants); err != nil {
			b.Fatal(err)
		}
	}
}
