-- V2 (release 1.5.0): client-supplied order reference (idempotency key) and an order event log.
-- Additive only, so release 1.4.0 keeps working on a V2 schema.
BEGIN;

ALTER TABLE orders ADD COLUMN client_ref text NULL;
CREATE UNIQUE INDEX orders_username_client_ref_key ON orders (username, client_ref) WHERE client_ref IS NOT NULL;

CREATE TABLE order_events (
    id       bigserial PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id),
    event    text NOT NULL,
    at       timestamptz DEFAULT now()
);
CREATE INDEX order_events_order_id_idx ON order_events (order_id);

INSERT INTO schema_migrations (version, description) VALUES (2, 'order client_ref and events');

COMMIT;
