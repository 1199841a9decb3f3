-- Roles and least-privilege grants for the trading database (run as postgres, idempotent).
\set ON_ERROR_STOP on
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY['trading_app', 'golive_qa']) r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE trading_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
ALTER ROLE golive_qa LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'qa_password';
SELECT 'CREATE DATABASE trading' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'trading') \gexec
