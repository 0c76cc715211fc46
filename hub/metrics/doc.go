// Package metrics exposes the hub's counters, gauges and histograms in the
// Prometheus text format (version 0.0.4), without a client library.
//
// A Registry holds the metrics; Hub names the ones tandem-hub keeps
// (pushes, pulls, changes applied, errors by kind, ingest latency, open
// tickets by tenant and priority, SLA breaches, silent devices, webhook
// queue depth). Handler serves GET /metrics behind the operator's bearer
// token, or without one on a listener the operator chose (such as
// --metrics-listen 127.0.0.1:9464).
package metrics
