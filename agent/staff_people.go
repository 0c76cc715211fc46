package agent

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

// The organisation's people, as the hub sends them to signed-in staff
// (protocol.ChangePerson), are kept in the person's replica under
// "person/<tenant>/<id>" and in the index, so that a ticket shows its
// requester's name and number instead of an OS account.

func personKey(user, tenant, id string) []byte {
	return staffKey(user, "person/"+tenant+"/"+id)
}

// applyStaffPerson stores or removes one pulled person of tenant and
// reports it for the index (nil: removed).
func applyStaffPerson(tx *localdb.Tx, user, tenant string, c protocol.Change) (string, *msp.Person, error) {
	if c.Person != nil {
		if c.Person.Tenant != tenant {
			return "", nil, nil // not of the organisation pulled
		}
		return c.Person.ID, c.Person, tx.PutJSON(personKey(user, tenant, c.Person.ID), c.Person)
	}
	if c.PersonID == "" {
		return "", nil, nil
	}
	return c.PersonID, nil, tx.Delete(personKey(user, tenant, c.PersonID))
}

// readStaffPeople reads every tenant's people of the replica.
func readStaffPeople(tx *localdb.Tx, user string) (map[string][]msp.Person, error) {
	out := map[string][]msp.Person{}
	err := tx.Scan(staffKey(user, "person/"), nil, func(_, v []byte) error {
		var p msp.Person
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("%w: a person in the dashboard's replica is damaged: %v", localdb.ErrCorrupt, err)
		}
		out[p.Tenant] = append(out[p.Tenant], p)
		return nil
	})
	return out, err
}

// setPerson puts a pulled person into the index, or takes out a removed
// one (p nil).
func (ix *staffIndex) setPerson(tenant, id string, p *msp.Person) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.people == nil {
		ix.people = map[string][]msp.Person{}
	}
	list := slices.DeleteFunc(ix.people[tenant], func(q msp.Person) bool { return q.ID == id })
	if p != nil {
		list = append(list, *p)
	}
	ix.people[tenant] = list
}

// requester finds the person who raised t, by the account and device.
func (ix *staffIndex) requester(t *msp.Ticket) (msp.Person, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return msp.MatchPerson(ix.people[t.Tenant], t, ix.hosts[t.Device])
}

// requesterNames maps each account of the organisations' people, as a
// ticket's requester names it (msp.RequesterKey: account@hostname), to the
// person's name in lower case, so that a search finds a ticket by who
// raised it. The caller holds ix.mu.
func (ix *staffIndex) requesterNames() map[string]string {
	out := map[string]string{}
	for _, people := range ix.people {
		for _, p := range people {
			for _, a := range p.Accounts {
				name := strings.ToLower(p.Name)
				out[msp.RequesterKey(a.Account+"@"+a.Device)] = name
				if host := ix.hosts[a.Device]; host != "" { // the account names the device by its id
					out[msp.RequesterKey(a.Account+"@"+host)] = name
				}
			}
		}
	}
	return out
}

// requesterKey is msp.RequesterKey of a row's requester, which is lower
// case already: without a copy unless it names a Windows domain.
func requesterKey(lower string) string {
	if strings.IndexByte(lower, '\\') < 0 {
		return lower
	}
	return msp.RequesterKey(lower)
}

// withRequester fills in the requester's name, number and address on out
// when the ticket's OS account belongs to one of the organisation's
// people; otherwise they stay empty and the account shows.
func (a *Agent) withRequester(user string, out *localapi.StaffTicket) {
	var p msp.Person
	var ok bool
	if ix := a.staffIndexIfOpen(user); ix != nil {
		p, ok = ix.requester(&out.Ticket)
	} else {
		var people []msp.Person
		var host string
		err := a.db.View(func(tx *localdb.Tx) error {
			err := tx.Scan(staffKey(user, "person/"+out.Tenant+"/"), nil, func(_, v []byte) error {
				var p msp.Person
				if err := json.Unmarshal(v, &p); err != nil {
					return err
				}
				people = append(people, p)
				return nil
			})
			if err != nil {
				return err
			}
			var d staffDevice
			if tx.GetJSON(staffKey(user, "device/"+out.Tenant+"/"+out.Device), &d) == nil {
				host = strings.ToLower(d.Hostname)
			}
			return nil
		})
		if err != nil {
			a.log.Warn("could not read the organisation's people from the dashboard's replica", "os_user", user, "err", err)
			return
		}
		p, ok = msp.MatchPerson(people, &out.Ticket, host)
	}
	if ok {
		out.RequesterName, out.RequesterPhone, out.RequesterEmail, out.RequesterID = p.Name, p.Phone, p.Email, p.ID
	}
}
