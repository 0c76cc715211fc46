package metrics

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	openTicketsDesc = prometheus.NewDesc("tandem_hub_open_tickets",
		"Tickets not resolved or closed, by tenant and priority.", []string{"tenant", "priority"}, nil)
	devicesDesc = prometheus.NewDesc("tandem_hub_devices",
		"Enrolled devices, by tenant.", []string{"tenant"}, nil)
	silentDevicesDesc = prometheus.NewDesc("tandem_hub_devices_silent",
		"Devices that have not checked in within the tenant's silence threshold.", []string{"tenant"}, nil)
	breachedOpenDesc = prometheus.NewDesc("tandem_hub_sla_breached_open_tickets",
		"Open tickets whose SLA is breached, by tenant.", []string{"tenant"}, nil)
	queueDepthDesc = prometheus.NewDesc("tandem_hub_webhook_queue_depth",
		"Webhook deliveries waiting to be sent.", nil, nil)
)

// storeCollector computes at scrape time the gauges that come from the
// store: the snapshot's (through Hub.current, so one scrape reads the
// store at most once and a scrape within SnapshotTTL not at all) and the
// webhook queue's depth. A gauge whose source the Hub was not given is
// neither described nor collected.
type storeCollector struct{ h *Hub }

var _ prometheus.Collector = (*storeCollector)(nil)

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	if c.h.snapshot != nil {
		ch <- openTicketsDesc
		ch <- devicesDesc
		ch <- silentDevicesDesc
		ch <- breachedOpenDesc
	}
	if c.h.depth != nil {
		ch <- queueDepthDesc
	}
}

// Collect implements prometheus.Collector. The registry may call it from
// several scrapes at once; Hub.current serialises the store reads.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	if c.h.snapshot != nil {
		s := c.h.current()
		for k, n := range s.OpenTickets {
			ch <- prometheus.MustNewConstMetric(openTicketsDesc, prometheus.GaugeValue, float64(n), k.Tenant, "P"+strconv.Itoa(k.Priority))
		}
		perTenant := func(d *prometheus.Desc, m map[string]int) {
			for t, n := range m {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(n), t)
			}
		}
		perTenant(devicesDesc, s.Devices)
		perTenant(silentDevicesDesc, s.SilentDevices)
		perTenant(breachedOpenDesc, s.Breached)
	}
	if c.h.depth != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := c.h.depth(ctx)
		if err != nil {
			// Leave the gauge out rather than fail the scrape: the other
			// metrics still tell the operator about the hub.
			c.h.Error(ErrSnapshot)
			c.h.log.Warn("metrics: reading the webhook queue depth", "err", err)
			return
		}
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(n))
	}
}
