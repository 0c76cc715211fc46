package agent

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"tandem/localdb"
	"tandem/msp"
)

// Each replica ticket has a small row beside it (staff/<user>/row/<id>),
// written in the same transaction: what the index keeps, in a compact
// binary form. Opening the index reads these rows — small values the store
// keeps in its tree — instead of decoding 100,000 tickets.

// putStaffTicket stores a replica ticket and its index row.
func putStaffTicket(tx *localdb.Tx, user string, t *msp.Ticket) error {
	if err := tx.PutJSON(staffKey(user, "ticket/"+t.ID), t); err != nil {
		return err
	}
	r := rowOf(t)
	return tx.Put(staffKey(user, "row/"+t.ID), r.marshal())
}

// rowVersion 2 added the requester, the device and the thread's words;
// 3 the assignee. A row of an older version is made again from its ticket
// (errOldRow).
const rowVersion = 3

// rowStrings is how many strings a row holds, in marshal's order.
const rowStrings = 10

func (r *ixRow) marshal() []byte {
	b := make([]byte, 0, 64+len(r.id)+len(r.tenant)+len(r.title)+len(r.requester)+len(r.device)+len(r.thread))
	b = append(b, rowVersion)
	for _, s := range [rowStrings]string{r.id, r.tenant, r.title, string(r.status), string(r.owner), string(r.pillar), r.requester, r.device, r.thread, r.assignee} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, n := range []int64{int64(r.priority), r.due, r.updated, r.created, r.respondedAt, r.responseDue} {
		b = binary.AppendVarint(b, n)
	}
	var flags byte
	if r.atRisk {
		flags |= 1
	}
	if r.breached {
		flags |= 2
	}
	if r.paused {
		flags |= 4
	}
	return append(b, flags)
}

var (
	errRow    = errors.New("index row is damaged")
	errOldRow = errors.New("index row is of an older version")
)

// interned are the enumerations' values, so decoding a row allocates no
// string for them.
var interned = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		string(msp.StatusNew), string(msp.StatusOpen), string(msp.StatusProgress), string(msp.StatusWaiting),
		string(msp.StatusResolved), string(msp.StatusClosed), string(msp.StatusReopened),
		string(msp.PartyMSP), string(msp.PartyInternal), string(msp.PartyShared),
		string(msp.PillarMonitoring), string(msp.PillarMicrosoft365), string(msp.PillarBackup), string(msp.PillarSecurity),
		string(msp.PillarCommunications), string(msp.PillarHelpdesk), string(msp.PillarNetwork),
	} {
		m[s] = s
	}
	return m
}()

func unmarshalRow(b []byte, tenants map[string]string) (ixRow, error) {
	var r ixRow
	switch {
	case len(b) > 0 && b[0] >= 1 && b[0] < rowVersion:
		return r, errOldRow
	case len(b) == 0 || b[0] != rowVersion:
		return r, errRow
	}
	b = b[1:]
	var strs [rowStrings]string
	for i := range strs {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return r, errRow
		}
		raw := b[k : k+int(n)]
		switch {
		case i >= 3 && i <= 5:
			if s, ok := interned[string(raw)]; ok {
				strs[i] = s
				break
			}
			strs[i] = string(raw)
		case i == 1:
			if s, ok := tenants[string(raw)]; ok {
				strs[i] = s
				break
			}
			strs[i] = string(raw)
			tenants[strs[i]] = strs[i]
		default:
			strs[i] = string(raw)
		}
		b = b[k+int(n):]
	}
	var nums [6]int64
	for i := range nums {
		n, k := binary.Varint(b)
		if k <= 0 {
			return r, errRow
		}
		nums[i] = n
		b = b[k:]
	}
	if len(b) != 1 {
		return r, errRow
	}
	r = ixRow{id: strs[0], tenant: strs[1], title: strs[2], number: numberOf(strs[0]), status: msp.Status(strs[3]), owner: msp.Party(strs[4]),
		pillar: msp.Pillar(strs[5]), requester: strs[6], device: strs[7], thread: strs[8], assignee: strs[9], priority: msp.Priority(nums[0]), due: nums[1], updated: nums[2], created: nums[3],
		respondedAt: nums[4], responseDue: nums[5], atRisk: b[0]&1 != 0, breached: b[0]&2 != 0, paused: b[0]&4 != 0}
	return r, nil
}

// rewriteRows writes the rows of tickets whose rows an older agent wrote,
// so the next start reads them without decoding the tickets. The index is
// right without it: a failure is logged, and the rows are made again at
// the next start.
// Each ticket is read again in the transaction that writes its row, so a
// pull that changed it meanwhile is not undone.
func (a *Agent) rewriteRows(user string, ids []string) {
	const batch = 500
	for len(ids) > 0 {
		n := min(batch, len(ids))
		err := a.db.Update(context.Background(), func(tx *localdb.Tx) error {
			for _, id := range ids[:n] {
				var t msp.Ticket
				switch err := tx.GetJSON(staffKey(user, "ticket/"+id), &t); {
				case errors.Is(err, localdb.ErrNotFound):
					continue // signed out meanwhile
				case err != nil:
					return err
				}
				r := rowOf(&t)
				if err := tx.Put(staffKey(user, "row/"+id), r.marshal()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			a.log.Warn("could not update the dashboard's search rows; they are made again at the next start", "os_user", user, "err", err)
			return
		}
		ids = ids[n:]
	}
}

func rowError(key []byte, err error) error {
	return fmt.Errorf("%w: %s in the dashboard's replica: %v; sign out and in again to rebuild it", localdb.ErrCorrupt, key, err)
}
