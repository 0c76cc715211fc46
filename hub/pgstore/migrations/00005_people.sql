-- The organisations' people (tandem-hub person add, import) and the alert
-- groups: one record per problem across a tenant's devices.

-- +goose Up
CREATE TABLE people (
	tenant text COLLATE "C",
	id text COLLATE "C",
	doc json NOT NULL,
	PRIMARY KEY (tenant, id)
);

CREATE TABLE alert_groups (
	tenant text COLLATE "C",
	problem text COLLATE "C",
	doc json NOT NULL,
	PRIMARY KEY (tenant, problem)
);

-- +goose Down
DROP TABLE alert_groups;
DROP TABLE people;
