-- V1: base schema of the trading webapp (release 1.4.0).
-- Applied by the sandbox provisioning with psql as superuser; roles, databases and grants are its job.
BEGIN;

CREATE TABLE schema_migrations (
    version     int PRIMARY KEY,
    description text,
    applied_at  timestamptz DEFAULT now()
);

CREATE TABLE users (
    id            serial PRIMARY KEY,
    username      text UNIQUE NOT NULL,
    password_hash text NOT NULL,             -- pbkdf2_sha256$ITERATIONS$SALT_B64$HASH_B64
    totp_secret   text NOT NULL,             -- RFC 4648 base32, no padding
    role          text NOT NULL CHECK (role IN ('trader', 'admin')),
    locked_until  timestamptz,
    failed_logins int NOT NULL DEFAULT 0     -- consecutive failures, shared by every app node
);

CREATE TABLE orders (
    id          bigserial PRIMARY KEY,
    username    text NOT NULL REFERENCES users (username),
    symbol      text NOT NULL,
    side        text NOT NULL CHECK (side IN ('BUY', 'SELL')),
    quantity    int NOT NULL CHECK (quantity > 0),
    limit_price numeric(12,4) NOT NULL CHECK (limit_price > 0),
    status      text NOT NULL DEFAULT 'NEW',
    node        text NOT NULL,
    synthetic   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_username_idx ON orders (username);

CREATE TABLE quotes (
    symbol     text PRIMARY KEY,
    bid        numeric(12,4),
    ask        numeric(12,4),
    updated_at timestamptz DEFAULT now()
);
INSERT INTO quotes (symbol, bid, ask) VALUES
    ('ACME',    10.2500, 10.3000),
    ('GLOBX',   55.1000, 55.2000),
    ('INITECH', 3.4500,  3.4700);

INSERT INTO schema_migrations (version, description) VALUES (1, 'base');

COMMIT;
