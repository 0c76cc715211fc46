-- Failed sign-in counts shared by the hubs on one database (hub.LimitStore):
-- per limit ("addr", "code") and key, the attempts in the window that
-- started at since.

-- +goose Up
CREATE TABLE sign_in_limits (
	limit_name text COLLATE "C",
	key text COLLATE "C",
	count integer NOT NULL,
	since timestamptz NOT NULL,
	PRIMARY KEY (limit_name, key)
);
CREATE INDEX sign_in_limits_since ON sign_in_limits (since);

-- +goose Down
DROP TABLE sign_in_limits;
