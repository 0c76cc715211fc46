package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"tandem/localdb"
	"tandem/sync/client"
)

// staffFollowScope asks the hub who the person's credential is now and
// follows a change made while they stay signed in (tandem-hub user
// scope): the stored session takes the new organisations, name and role,
// and an organisation taken away is removed from the replica. It changes
// s in place, so the rest of the sync pulls the new scope. A hub without
// the route leaves the scope of the sign-in.
func (a *Agent) staffFollowScope(ctx context.Context, conn *client.Conn, s *staffSession) error {
	now, err := conn.Session(ctx)
	var he *client.HTTPError
	if errors.As(err, &he) && he.Status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("asking the hub for your organisations: %w", err)
	}
	if len(now.Tenants) == 0 || slices.Equal(now.Tenants, s.Tenants) && now.Name == s.Name && now.Role == s.Role {
		return nil
	}
	var removed []string
	for _, t := range s.Tenants {
		if !slices.Contains(now.Tenants, t) {
			removed = append(removed, t)
		}
	}
	next := *s
	next.Tenants, next.Name, next.Role = slices.Clone(now.Tenants), now.Name, now.Role
	err = a.db.Update(ctx, func(tx *localdb.Tx) error {
		if ok, err := tx.Has(staffKey(s.OSUser, "session")); err != nil || !ok {
			return errors.Join(err, errSignedOutMeanwhile)
		}
		return tx.PutJSON(staffKey(s.OSUser, "session"), next)
	})
	if errors.Is(err, errSignedOutMeanwhile) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("saving your new organisations: %w", err)
	}
	for _, t := range removed {
		if err := a.dropStaffTenant(ctx, s.OSUser, t); err != nil {
			return err
		}
	}
	st := a.staff()
	st.mu.Lock()
	delete(st.idx, s.OSUser) // rebuilt from the store at the next question
	st.mu.Unlock()
	a.log.Info("staff scope changed", "os_user", s.OSUser, "tenants", next.Tenants, "removed", removed)
	*s = next
	return nil
}

var errSignedOutMeanwhile = errors.New("signed out meanwhile")

// dropStaffTenant removes one organisation from the OS user's replica: its
// settings, history, cursor, fleet, reports, fetched attachments, people and
// tickets. The person's
// queued changes stay; the hub refuses those of an organisation out of
// scope, and the refusals are shown.
func (a *Agent) dropStaffTenant(ctx context.Context, user, tenant string) error {
	for _, p := range []string{"tenant/" + tenant, "history/" + tenant, "cursor/" + tenant, "device/" + tenant + "/", "report/" + tenant + "/",
		"blob/" + tenant + "/", "blob-at/" + tenant + "/", "person/" + tenant + "/"} {
		if err := a.deleteStaffKeys(ctx, staffKey(user, p), nil); err != nil {
			return err
		}
	}
	return a.deleteStaffKeys(ctx, staffKey(user, "ticket/"), func(val []byte) bool {
		var t struct {
			Tenant string `json:"tenant"`
		}
		return json.Unmarshal(val, &t) == nil && t.Tenant == tenant
	})
}

// deleteStaffKeys deletes the keys under prefix (those whose value match
// accepts, when match is set) in bounded transactions: a replica can hold
// 100,000 tickets.
func (a *Agent) deleteStaffKeys(ctx context.Context, prefix []byte, match func(val []byte) bool) error {
	const batch = 2000
	var start []byte
	for {
		var next []byte // where the next transaction starts; nil when done
		err := a.db.Update(ctx, func(tx *localdb.Tx) error {
			next = nil
			var keys [][]byte
			scanned := 0
			visit := func(k, v []byte) error {
				scanned++
				if match == nil || match(v) {
					keys = append(keys, append([]byte(nil), k...))
				}
				if scanned >= batch {
					next = append(append([]byte(nil), k...), 0) // just after k
					return localdb.ErrStop
				}
				return nil
			}
			var err error
			if match == nil {
				err = tx.ScanKeys(prefix, start, func(k []byte) error { return visit(k, nil) })
			} else {
				err = tx.Scan(prefix, start, visit)
			}
			if err != nil {
				return err
			}
			for _, k := range keys {
				if err := tx.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("clearing part of your dashboard data: %w", err)
		}
		if next == nil {
			return nil
		}
		start = next
	}
}
