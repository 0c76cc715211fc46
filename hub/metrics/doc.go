// Package metrics exposes the hub's counters, gauges and histograms to
// Prometheus through prometheus/client_golang, in the Prometheus text
// format or, when the scraper asks for it, in OpenMetrics.
//
// Hub names the metrics tandem-hub keeps (pushes, pulls, changes applied,
// errors by kind, ingest latency, open tickets by tenant and priority, SLA
// breaches, silent devices, webhook queue depth) beside the standard go_*
// and process_* metrics of the Go and process collectors. Figures read
// from the store are computed at scrape time by a collector of this
// package, from a snapshot cached for SnapshotTTL. Handler serves
// GET /metrics behind the operator's bearer token, or without one on a
// listener the operator chose (Serve, for --metrics-listen 127.0.0.1:9464).
// The README lists every metric.
package metrics
