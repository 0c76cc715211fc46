// Package hub is the MSP's server: tenants, enrollment, the sync API that
// agents push to and pull from, and the operator API behind the tandem-hub
// commands.
//
// Service operations: a new ticket is routed by the tenant's
// responsibility matrix (msp.Route) with a routing note the requester
// sees; every change keeps the ticket's SLA state (msp.Ticket.SLA) and its
// status history (TicketHistory, a record of its own). A sweep owned by
// the server (RunSLA, SweepSLA) raises at-risk and breach events once per
// clock, hands unanswered tickets over at the end or start of business
// hours, sends internal-owned tickets nobody answered to the MSP after
// the tenant's overflow time, and escalates a breach to the MSP. A ticket
// stored by a hub without SLA clocks is adopted by the first sweep that
// meets it (TicketHistory.Adopted): what it missed before then is recorded
// as seen, without an event and without moving it to the MSP. Agents'
// check-ins and inventories raise proactive alert tickets (silent device,
// full disk, security updates or a restart pending too long, failing
// security baseline), one per device and condition, which resolve
// themselves when the condition clears. Every such change goes through
// msp.Apply as RoleSystem and reaches agents through the feed; an
// EventSink hears of each after it commits.
//
// The hub keeps its state in a Store. The embedded badger store is the
// default, so one command starts a hub; the interface and its conformance
// suite (package hub/storetest) leave room for a PostgreSQL store.
//
// Trust: the hub is its own certificate authority. Agents pin its CA
// certificate; devices authenticate with client certificates the CA signed
// for them at enrollment, which name the device and its tenant, so the
// tenant and scope of every sync request come from the credential and never
// from the request. The operator authenticates with a bearer credential the
// hub writes into its data directory, readable by the operator alone.
package hub
