-- The hub's first schema. Every key column is COLLATE "C", so that ids sort
-- byte by byte as in the embedded store (Tickets walks in id order, which is
-- creation order for UUIDv7 ids) whatever locale the cluster was made with.
-- Objects are kept as JSON documents (type json, not jsonb: json keeps the
-- text as written, so a \u0000 in a ticket's title is kept, not refused).

-- +goose Up
CREATE TABLE hub_versions (
	schema_version bigint PRIMARY KEY,
	hub_version text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tenants (
	id text COLLATE "C" PRIMARY KEY,
	doc json NOT NULL
);

CREATE TABLE tokens (
	hash text COLLATE "C" PRIMARY KEY,
	doc json NOT NULL
);

CREATE TABLE devices (
	tenant text COLLATE "C",
	id text COLLATE "C",
	doc json NOT NULL,
	PRIMARY KEY (tenant, id)
);

CREATE TABLE inventories (
	tenant text COLLATE "C",
	device text COLLATE "C",
	doc json NOT NULL,
	PRIMARY KEY (tenant, device)
);

CREATE TABLE tickets (
	tenant text COLLATE "C",
	id text COLLATE "C",
	open boolean NOT NULL,
	doc json NOT NULL,
	PRIMARY KEY (tenant, id)
);
-- OpenTickets (the SLA sweep) reads only the open ones.
CREATE INDEX tickets_open ON tickets (tenant, id) WHERE open;
-- TicketTenants: which tenants hold an id.
CREATE INDEX tickets_id ON tickets (id);

CREATE TABLE histories (
	tenant text COLLATE "C",
	ticket text COLLATE "C",
	doc json NOT NULL,
	PRIMARY KEY (tenant, ticket)
);

CREATE TABLE device_alerts (
	tenant text COLLATE "C",
	device text COLLATE "C",
	doc json NOT NULL,
	PRIMARY KEY (tenant, device)
);

-- seq is a uint64 kept bit for bit in a bigint.
CREATE TABLE stream_marks (
	stream text COLLATE "C" PRIMARY KEY,
	seq bigint NOT NULL,
	last_id text NOT NULL
);

CREATE TABLE applied_changes (
	tenant text COLLATE "C",
	change text COLLATE "C",
	PRIMARY KEY (tenant, change)
);

-- Each tenant's change feed: an object once, at its latest change.
CREATE TABLE feed_counters (
	tenant text COLLATE "C" PRIMARY KEY,
	last bigint NOT NULL
);
CREATE TABLE feed (
	tenant text COLLATE "C",
	kind text COLLATE "C",
	id text COLLATE "C",
	seq bigint NOT NULL,
	PRIMARY KEY (tenant, kind, id)
);
CREATE UNIQUE INDEX feed_seq ON feed (tenant, seq);

CREATE TABLE matrix_history (
	tenant text COLLATE "C" PRIMARY KEY,
	doc json NOT NULL
);

CREATE TABLE event_queue (
	id text COLLATE "C" PRIMARY KEY,
	doc json NOT NULL
);

CREATE TABLE users (
	id text COLLATE "C" PRIMARY KEY,
	doc json NOT NULL
);

CREATE TABLE secrets (
	hash text COLLATE "C" PRIMARY KEY,
	doc json NOT NULL
);

-- Attachments and what each tenant and uploader keeps (uploader '' is the
-- tenant's total).
CREATE TABLE blobs (
	tenant text COLLATE "C",
	sha256 text COLLATE "C",
	meta json NOT NULL,
	data bytea NOT NULL,
	PRIMARY KEY (tenant, sha256)
);
CREATE TABLE blob_usage (
	tenant text COLLATE "C",
	uploader text COLLATE "C",
	bytes bigint NOT NULL,
	PRIMARY KEY (tenant, uploader)
);

-- +goose Down
DROP TABLE blob_usage, blobs, secrets, users, event_queue, matrix_history, feed, feed_counters,
	applied_changes, stream_marks, device_alerts, histories, tickets, inventories, devices,
	tokens, tenants, hub_versions;
