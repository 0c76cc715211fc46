-- Leases on periodic jobs (hub.Leaser): the SLA sweep runs on the one hub
-- that holds its lease; expires is by the database's clock.

-- +goose Up
CREATE TABLE leases (
	job text COLLATE "C" PRIMARY KEY,
	holder text NOT NULL,
	expires timestamptz NOT NULL
);

-- +goose Down
DROP TABLE leases;
