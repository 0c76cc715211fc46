// Package webhook delivers a tenant's ticket events to the HTTP endpoints
// its MSP registered (a PSA, a chat channel, an automation platform).
//
// Each endpoint has a URL, a secret and an event filter. An event is
// written to a durable queue, one delivery per matching endpoint, in the
// same store the endpoints live in, so a delivery survives a restart of
// the hub. The Dispatcher's loop POSTs each delivery as JSON, signed as
// the Standard Webhooks specification says (https://www.standardwebhooks.com),
// with the headers
//
//	webhook-id:         0193a4c2-...            (the same on every retry)
//	webhook-timestamp:  1764582000              (Unix seconds of the attempt)
//	webhook-signature:  v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=
//	X-Tandem-Event:     ticket.created
//	X-Tandem-Delivery:  0193a4c2-...            (webhook-id again)
//
// where v1 is the base64 HMAC-SHA256 over webhook-id + "." +
// webhook-timestamp + "." + body, keyed by the bytes the endpoint's secret
// ("whsec_" and base64) encodes. The delivery id is signed, so a captured
// request replayed under another id fails verification. Receivers check it
// with any Standard Webhooks library, or with Verify. Endpoints made
// before Standard Webhooks signing keep their secret and also get the old
// X-Tandem-Signature header (see LegacySecret).
//
// A delivery that does not get a 2xx answer is retried with exponential
// backoff and jitter for up to a day (MaxAge), then marked dead with its
// last error; dead deliveries can be listed and retried by hand.
// Deliveries are at least once: a receiver deduplicates on webhook-id.
// Order is not guaranteed across retries.
package webhook
