// Package hub is the MSP's server: tenants, enrollment, the sync API that
// agents push to and pull from, and the operator API behind the tandem-hub
// commands.
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
