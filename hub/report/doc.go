// Package report builds a tenant's monthly service report: SLA attainment
// by priority, tickets by pillar and owner, time to resolve, patch
// compliance, devices, alerts and a billing preview. Build computes the
// figures from plain inputs (it never opens a store: package hub gathers
// them); WriteHTML writes one self-contained, print-friendly page with
// inline SVG charts, and WritePDF writes the same content on one A4 page.
package report
