-- V2 down (back to release 1.4.0's schema): drops what V2 added. Orders keep every row and
-- every 1.4.0 column; the client references and the order events of 1.5.0 are dropped.
BEGIN;

DROP TABLE order_events;
DROP INDEX orders_username_client_ref_key;
ALTER TABLE orders DROP COLUMN client_ref;

DELETE FROM schema_migrations WHERE version = 2;

COMMIT;
