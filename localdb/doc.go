// Package localdb is the agent's local store: a badger v4 database tuned for
// a desktop footprint, with a documented key layout, a schema version and
// migrations, durable (fsynced) transactions, value-log GC on a timer,
// optional encryption at rest, and errors that say what to do.
//
// # Key layout
//
// Every key starts with a space name and a slash. Ids are the msp package's
// UUIDv7 strings; sequence numbers are 8-byte big-endian so that keys sort
// in numeric order.
//
//	meta/schema          the schema version, 4 bytes big-endian
//	meta/<name>          small settings (hub address, sync cursor, credential)
//	counter/<name>       a monotonically increasing uint64 (see Tx.Next)
//	ticket/<id>          a ticket of the local replica, JSON (msp.Ticket)
//	outbox/<seq>         a mutation waiting to be pushed, in push order
//	dead/<seq>           a mutation the hub refused, with its reason
//	device/<id>          a device of the replica (dashboards)
//	inventory/<section>  the last report sent per section, to send only changes
//
// The packages that own each space (sync/outbox, agent) define what goes in
// its values; localdb only guarantees the ordering and the transactions.
//
// # Durability
//
// A write is acknowledged only after badger has synced it to disk
// (SyncWrites): transactions that commit together are synced together by
// badger's write pipeline, so concurrent writers share one fsync.
//
// # Footprint
//
// The desktop profile runs no background compactors (badger's tick every
// 50 ms and keep a laptop's CPU awake); the store compacts level 0 itself
// shortly after writes, and otherwise sleeps. See Options and the
// BenchmarkIdleFootprint benchmark.
package localdb
