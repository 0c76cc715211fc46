package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

// StaffLedgerFile is the ledger (outbox.Ledger) of the ticket changes people
// make in the dashboard, in the data directory beside LedgerFile. Each
// entry's stream is the hub id of the person who made it, and its
// mutation's User the OS account they made it from. When the store comes
// back without a person's queued changes (moved aside, deleted, restored)
// their sign-in went with it; the changes wait here, are named to the
// person, and are queued again when the same person signs in again. The
// hub knows applied changes by id, so one that had arrived after all is
// not applied twice.
const StaffLedgerFile = "staff.ledger"

// staffWaitingPrefix starts the problem that names dashboard changes
// waiting for their person to sign in again.
const staffWaitingPrefix = "Changes made in the dashboard are waiting to be sent"

// ledgerStaffChange records a person's queued change in the staff ledger.
func (a *Agent) ledgerStaffChange(s *staffSession, title string, m protocol.Mutation) {
	if err := a.staffLedger.QueuedOn(outbox.Stream{ID: s.UserID}, title, m); err != nil {
		a.log.Warn("could not write a dashboard change to the staff ledger; it is saved in the store only", "os_user", s.OSUser, "err", err)
	}
}

// forgetStaffChanges removes an OS account's entries from the staff ledger
// (the person signed out, and their queue went with it on purpose).
func (a *Agent) forgetStaffChanges(osUser string) {
	var ids []string
	for _, e := range a.staffLedger.Pending() {
		if e.Mutation.User == osUser {
			ids = append(ids, e.ID)
		}
	}
	if err := a.staffLedger.Acked(ids); err != nil {
		a.log.Warn("could not note removed dashboard changes in the staff ledger", "os_user", osUser, "err", err)
	}
}

// reconcileStaff queues again the changes of the person signed in as
// osUser that the staff ledger holds and their queue does not, and tells
// in Status.Problems of changes that wait for a person to sign in again.
func (a *Agent) reconcileStaff(ctx context.Context, osUser string) error {
	s, err := a.loadStaffSession(osUser)
	if err != nil && !errors.Is(err, localapi.ErrNotSignedIn) {
		return err
	}
	var recovered int
	if err == nil {
		err = a.db.Update(ctx, func(tx *localdb.Tx) error {
			recovered = 0
			queued := map[string]bool{}
			ob := outbox.New(localdb.ErrStop)
			if err := ob.Pending(newStaffKV(tx, s), func(m protocol.Mutation) error {
				queued[m.ID] = true
				return nil
			}); err != nil {
				return err
			}
			for _, e := range a.staffLedger.Pending() {
				if e.Mutation.User != osUser || e.Stream != s.UserID || queued[e.ID] {
					continue
				}
				m := e.Mutation
				m.Seq = 0
				if _, err := ob.Enqueue(newStaffKV(tx, s), m); err != nil {
					return err
				}
				recovered++
			}
			if recovered > 0 {
				// Numbered after the hub's mark at the next push.
				return tx.Delete(staffKey(osUser, "seq-aligned"))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("queueing again the dashboard changes the store lost: %w", err)
		}
		if recovered > 0 {
			a.log.Warn("dashboard changes the store lost were queued again from the staff ledger", "os_user", osUser, "changes", recovered)
		}
	}
	a.noteWaitingStaffChanges()
	return nil
}

// noteWaitingStaffChanges names, in Status.Problems, the dashboard changes
// whose person is not signed in on this computer any more.
func (a *Agent) noteWaitingStaffChanges() {
	a.dropProblems(staffWaitingPrefix)
	byUser, count := map[string][]string{}, map[string]int{}
	for _, e := range a.staffLedger.Pending() {
		u := e.Mutation.User
		s, err := a.loadStaffSession(u)
		if err == nil && s.UserID == e.Stream {
			continue // queued for a person signed in now
		}
		count[u]++
		what := "a change"
		if e.Mutation.Change != nil && e.Mutation.Change.Comment != nil {
			what = "a reply"
		}
		if e.Title != "" {
			what += " on \"" + e.Title + "\""
		}
		if !slices.Contains(byUser[u], what) {
			byUser[u] = append(byUser[u], what)
		}
	}
	users := make([]string, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		a.addProblem(fmt.Sprintf("%s: this computer's store lost the dashboard sign-in of %s, and %d of their changes had not reached the hub (%s). "+
			"They are kept, and sent when the same person signs in to the dashboard again with a new code from the MSP.",
			staffWaitingPrefix, u, count[u], strings.Join(byUser[u], "; ")))
	}
}

// reconcileStaffAll runs reconcileStaff for every OS account the staff
// ledger holds changes of; with none (the usual case) it reads nothing.
func (a *Agent) reconcileStaffAll(ctx context.Context) error {
	var users []string
	for _, e := range a.staffLedger.Pending() {
		if !slices.Contains(users, e.Mutation.User) {
			users = append(users, e.Mutation.User)
		}
	}
	for _, u := range users {
		if err := a.reconcileStaff(ctx, u); err != nil {
			return err
		}
	}
	return nil
}
