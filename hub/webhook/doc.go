// Package webhook delivers a tenant's ticket events to the HTTP endpoints
// its MSP registered (a PSA, a chat channel, an automation platform).
//
// Each endpoint has a URL, a secret and an event filter. An event is
// written to a durable queue, one delivery per matching endpoint, in the
// same store the endpoints live in, so a delivery survives a restart of
// the hub. The Dispatcher's loop POSTs each delivery as JSON with the
// headers
//
//	X-Tandem-Event:     ticket.created
//	X-Tandem-Delivery:  0193a4c2-...            (the same on every retry)
//	X-Tandem-Signature: t=1764582000,v1=5257a8...
//
// where v1 is the hex HMAC-SHA256 of the secret over t + "." + body, with t
// the Unix time of the attempt. Receivers check it with Verify. A delivery
// that does not get a 2xx answer is retried with exponential backoff and
// jitter for up to a day (MaxAge), then marked dead with its last error;
// dead deliveries can be listed and retried by hand. Deliveries are
// at least once: a receiver deduplicates on X-Tandem-Delivery. Order is
// not guaranteed across retries.
package webhook
