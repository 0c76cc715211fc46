// Package storetest is the conformance suite that every implementation of
// hub.Store must pass: the embedded badger store, and any other store an
// MSP that outgrows one machine plugs in. Call Run from the
// implementation's own tests with a function that opens a fresh, empty
// store.
package storetest
