package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

// PathAdminPeople is the operator API of a tenant's people:
// POST adds or imports (PeopleRequest), GET ?tenant=ID lists, DELETE
// /{id}?tenant=ID removes one.
const PathAdminPeople = "/v1/admin/people"

// maxPeopleBody bounds a PeopleRequest: msp.MaxPeople people of a few
// hundred bytes each.
const maxPeopleBody = 4 << 20

// PeopleRequest adds people to a tenant, all or none.
type PeopleRequest struct {
	Tenant string        `json:"tenant"`
	People []PersonInput `json:"people"`
	// Update, for an import, changes the person already on record with
	// the same e-mail address (or, for one without, the same name) instead
	// of refusing them or adding them twice.
	Update bool `json:"update,omitempty"`
}

// PersonInput is one person to add. Line, when set, is where the person
// came from (a CSV file's line), and errors name it.
type PersonInput struct {
	Line     int                 `json:"line,omitempty"`
	Name     string              `json:"name"`
	Email    string              `json:"email,omitempty"`
	Phone    string              `json:"phone,omitempty"`
	Accounts []msp.PersonAccount `json:"accounts,omitempty"`
}

// where names an input in an error: "line 7" or "person 3".
func (in PersonInput) where(i int) string {
	if in.Line > 0 {
		return fmt.Sprintf("line %d", in.Line)
	}
	return fmt.Sprintf("person %d", i+1)
}

// PeopleResponse is what an add or import did.
type PeopleResponse struct {
	Added   int          `json:"added"`
	Updated int          `json:"updated"`
	People  []msp.Person `json:"people"`
}

func (s *Server) peopleRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+PathAdminPeople, s.operatorOnly(s.addPeople))
	mux.HandleFunc("GET "+PathAdminPeople, s.operatorOnly(s.listPeople))
	mux.HandleFunc("DELETE "+PathAdminPeople+"/{id}", s.operatorOnly(s.removePerson))
}

// errPeople is a refused PeopleRequest; its message names the line.
type errPeople struct{ msg string }

func (e errPeople) Error() string { return e.msg }

// addPeople stores the people of a PeopleRequest in one transaction: a
// request with one wrong person stores nobody.
func (s *Server) addPeople(w http.ResponseWriter, r *http.Request) {
	var req PeopleRequest
	if !decode(w, r, maxPeopleBody, &req) {
		return
	}
	if len(req.People) == 0 {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: "people: there is nobody to add"})
		return
	}
	if len(req.People) > msp.MaxPeople {
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid,
			Message: fmt.Sprintf("people: %d in one request; at most %d (split the file)", len(req.People), msp.MaxPeople)})
		return
	}
	now := s.now().UTC()
	var resp PeopleResponse
	err := s.store.Update(r.Context(), func(tx Tx) error {
		resp = PeopleResponse{}
		if _, err := tx.Tenant(req.Tenant); err != nil {
			return err
		}
		existing, err := tx.People(req.Tenant)
		if err != nil {
			return err
		}
		byEmail := map[string]int{} // lower-case e-mail → index in existing
		byName := map[string]int{}  // lower-case name → index, of those without an e-mail
		for i, p := range existing {
			if p.Email != "" {
				byEmail[strings.ToLower(p.Email)] = i
			} else {
				byName[strings.ToLower(p.Name)] = i
			}
		}
		seen := map[string]int{} // lower-case e-mail → index in req.People
		var changed []msp.Person
		changedIdx := map[string]int{} // person id → index in req.People
		for i, in := range req.People {
			p := msp.Person{ID: msp.NewID(), Tenant: req.Tenant, Name: strings.TrimSpace(in.Name), Email: strings.TrimSpace(in.Email),
				Phone: strings.TrimSpace(in.Phone), Accounts: in.Accounts, CreatedAt: now}
			key := strings.ToLower(p.Email)
			if key != "" {
				if j, dup := seen[key]; dup {
					return errPeople{fmt.Sprintf("%s: %s is also the e-mail of %s (%s); each person once", in.where(i), p.Email, req.People[j].Name, req.People[j].where(j))}
				}
				seen[key] = i
				if j, ok := byEmail[key]; ok {
					if !req.Update {
						return errPeople{fmt.Sprintf("%s: %s is already on record as %s (id %s); import the file with tandem-hub person import to update people", in.where(i), p.Email, existing[j].Name, existing[j].ID)}
					}
					p.ID, p.CreatedAt, p.UpdatedAt = existing[j].ID, existing[j].CreatedAt, now
				}
			} else if j, ok := byName[strings.ToLower(p.Name)]; ok && req.Update {
				// Without an e-mail a person is known by their name.
				p.ID, p.CreatedAt, p.UpdatedAt = existing[j].ID, existing[j].CreatedAt, now
				delete(byName, strings.ToLower(p.Name)) // the same name twice in a file: two people
			}
			if err := p.Validate(); err != nil {
				return errPeople{fmt.Sprintf("%s (%s): %v", in.where(i), cmpName(p.Name), err)}
			}
			changed = append(changed, p)
			changedIdx[p.ID] = i
		}
		// An OS account on a device belongs to one person: among those
		// added, and between them and those on record.
		others := map[string]msp.Person{}
		for _, p := range existing {
			others[p.ID] = p
		}
		for _, p := range changed {
			others[p.ID] = p
		}
		owner := map[string]string{} // msp.PersonAccount.Key → person id
		for _, p := range changed {
			for _, a := range p.Accounts {
				owner[a.Key()] = p.ID
			}
		}
		for _, q := range existing {
			if _, replaced := changedIdx[q.ID]; replaced {
				continue
			}
			for _, a := range q.Accounts {
				if id, ok := owner[a.Key()]; ok {
					i := changedIdx[id]
					return errPeople{fmt.Sprintf("%s (%s): the account %s already belongs to %s (id %s); an account on a computer belongs to one person",
						req.People[i].where(i), others[id].Name, a, q.Name, q.ID)}
				}
			}
		}
		seenAcct := map[string]string{}
		for _, p := range changed {
			for _, a := range p.Accounts {
				if id, ok := seenAcct[a.Key()]; ok && id != p.ID {
					i, j := changedIdx[p.ID], changedIdx[id]
					return errPeople{fmt.Sprintf("%s (%s): the account %s already belongs to %s (%s); an account on a computer belongs to one person",
						req.People[i].where(i), p.Name, a, others[id].Name, req.People[j].where(j))}
				}
				seenAcct[a.Key()] = p.ID
			}
		}
		if len(others) > msp.MaxPeople {
			return errPeople{fmt.Sprintf("the organisation would have %d people; at most %d", len(others), msp.MaxPeople)}
		}
		for _, p := range changed {
			if err := tx.PutPerson(p); err != nil {
				return err
			}
			if p.UpdatedAt.IsZero() {
				resp.Added++
			} else {
				resp.Updated++
			}
		}
		resp.People = changed
		return nil
	})
	var bad errPeople
	switch {
	case errors.Is(err, localdb.ErrTooBig):
		writeError(w, http.StatusRequestEntityTooLarge, &protocol.ErrorBody{Code: protocol.CodeTooLarge,
			Message: fmt.Sprintf("%d people are more than this hub's store takes in one change; split the file into smaller ones (nobody was added)", len(req.People))})
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, &protocol.ErrorBody{Code: protocol.CodeInvalid, Message: bad.msg + "; nobody was added"})
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no tenant " + req.Tenant + "; list them with tandem-hub tenant list"})
	case err != nil:
		s.internal(w, r, "adding people", err)
	default:
		s.log.Info("people added", "tenant", req.Tenant, "added", resp.Added, "updated", resp.Updated)
		writeJSON(w, http.StatusCreated, resp)
	}
}

func cmpName(s string) string {
	if s == "" {
		return "no name"
	}
	return s
}

func (s *Server) listPeople(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	var out []msp.Person
	err := s.store.View(r.Context(), func(tx Tx) error {
		if _, err := tx.Tenant(tenant); err != nil {
			return err
		}
		var err error
		out, err = tx.People(tenant)
		return err
	})
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound, Message: "no tenant " + tenant})
	case err != nil:
		s.internal(w, r, "listing people", err)
	default:
		writeJSON(w, http.StatusOK, nonNil(out))
	}
}

func (s *Server) removePerson(w http.ResponseWriter, r *http.Request) {
	tenant, id := r.URL.Query().Get("tenant"), r.PathValue("id")
	var p msp.Person
	err := s.store.Update(r.Context(), func(tx Tx) error {
		var err error
		if p, err = tx.Person(tenant, id); err != nil {
			return err
		}
		return tx.DeletePerson(tenant, id)
	})
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, &protocol.ErrorBody{Code: protocol.CodeNotFound,
			Message: "no person " + id + " in tenant " + tenant + "; tandem-hub person list shows their ids"})
	case err != nil:
		s.internal(w, r, "removing a person", err)
	default:
		s.log.Info("person removed", "tenant", tenant, "person", id)
		writeJSON(w, http.StatusOK, p)
	}
}

// AddPeople adds (or, with update, imports) people into tenant.
func (c *AdminClient) AddPeople(ctx context.Context, tenant string, people []PersonInput, update bool) (PeopleResponse, error) {
	var out PeopleResponse
	err := c.do(ctx, http.MethodPost, PathAdminPeople, PeopleRequest{Tenant: tenant, People: people, Update: update}, &out)
	return out, err
}

// People lists tenant's people.
func (c *AdminClient) People(ctx context.Context, tenant string) ([]msp.Person, error) {
	var out []msp.Person
	err := c.do(ctx, http.MethodGet, PathAdminPeople+"?"+url.Values{"tenant": {tenant}}.Encode(), nil, &out)
	return out, err
}

// RemovePerson removes one of tenant's people.
func (c *AdminClient) RemovePerson(ctx context.Context, tenant, id string) (msp.Person, error) {
	var out msp.Person
	err := c.do(ctx, http.MethodDelete, PathAdminPeople+"/"+url.PathEscape(id)+"?"+url.Values{"tenant": {tenant}}.Encode(), nil, &out)
	return out, err
}
