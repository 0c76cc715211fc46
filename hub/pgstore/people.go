package pgstore

import (
	"fmt"

	"tandem/hub"
	"tandem/msp"
)

func (t *tx) Person(tenant, id string) (p msp.Person, err error) {
	err = t.get("person "+id, &p, `SELECT doc FROM people WHERE tenant = $1 AND id = $2`, tenant, id)
	return p, err
}

// PutPerson stores the person and moves their feed entry (kind
// hub.FeedPerson), so staff replicas get the change.
func (t *tx) PutPerson(p msp.Person) error {
	if err := t.put("saving person "+p.ID, `INSERT INTO people (tenant, id, doc) VALUES ($1, $2, $3)
		ON CONFLICT (tenant, id) DO UPDATE SET doc = EXCLUDED.doc`, p, p.Tenant, p.ID); err != nil {
		return err
	}
	return t.noteFeed(p.Tenant, hub.FeedPerson, p.ID)
}

// DeletePerson removes the person with their data; the feed entry stays
// (moved), so replicas learn of the removal. Removing someone who is not
// there changes nothing.
func (t *tx) DeletePerson(tenant, id string) error {
	tag, err := t.tx.Exec(t.ctx, `DELETE FROM people WHERE tenant = $1 AND id = $2`, tenant, id)
	if err != nil {
		return fmt.Errorf("removing person %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	return t.noteFeed(tenant, hub.FeedPerson, id)
}

func (t *tx) People(tenant string) ([]msp.Person, error) {
	return list[msp.Person](t, "people", `SELECT doc FROM people WHERE tenant = $1 ORDER BY id`, tenant)
}

func (t *tx) AlertGroup(tenant, problem string) (g hub.AlertGroup, err error) {
	err = t.get("alert group "+problem, &g, `SELECT doc FROM alert_groups WHERE tenant = $1 AND problem = $2`, tenant, problem)
	return g, err
}

func (t *tx) PutAlertGroup(g hub.AlertGroup) error {
	return t.put("saving alert group "+g.Problem, `INSERT INTO alert_groups (tenant, problem, doc) VALUES ($1, $2, $3)
		ON CONFLICT (tenant, problem) DO UPDATE SET doc = EXCLUDED.doc`, g, g.Tenant, g.Problem)
}

func (t *tx) AlertGroups(tenant string) ([]hub.AlertGroup, error) {
	return list[hub.AlertGroup](t, "alert groups", `SELECT doc FROM alert_groups WHERE tenant = $1 ORDER BY problem`, tenant)
}
