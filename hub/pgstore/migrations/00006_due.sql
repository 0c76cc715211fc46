-- When the SLA sweep next has work on an open ticket (hub.Tx.DueTickets):
-- due is nanoseconds since 1970, 0 for at once (a ticket changed since the
-- sweep last read it).

-- +goose Up
CREATE TABLE ticket_due (
	tenant text COLLATE "C",
	id text COLLATE "C",
	due bigint NOT NULL,
	PRIMARY KEY (tenant, id)
);
CREATE INDEX ticket_due_at ON ticket_due (tenant, due);
-- DeviceFeed reads a device's tickets by their device.
CREATE INDEX tickets_device ON tickets (tenant, (doc->>'device'));

-- +goose Down
DROP INDEX tickets_device;
DROP TABLE ticket_due;
