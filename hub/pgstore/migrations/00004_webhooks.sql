-- Webhook endpoints and their delivery queue (webhook.Store), shared by the
-- hubs on one database. Times that order the queue are Unix nanoseconds, as
-- the embedded store keeps them: no rounding to microseconds. A pending
-- delivery that a hub took (Due) is claimed until claimed_ns, so the other
-- hubs do not send it meanwhile.

-- +goose Up
CREATE TABLE webhook_endpoints (
	tenant text COLLATE "C",
	id text COLLATE "C",
	doc json NOT NULL,
	PRIMARY KEY (tenant, id)
);

CREATE TABLE webhook_deliveries (
	id text COLLATE "C" PRIMARY KEY,
	tenant text COLLATE "C" NOT NULL,
	state text NOT NULL,
	next_ns bigint NOT NULL,
	claimed_ns bigint NOT NULL DEFAULT 0,
	doc json NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_ns, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (tenant, id) WHERE state = 'dead';

-- +goose Down
DROP TABLE webhook_deliveries, webhook_endpoints;
