-- Least privilege on the trading database (run as postgres after migrations, idempotent).
\set ON_ERROR_STOP on
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE trading FROM PUBLIC;
GRANT CONNECT ON DATABASE trading TO trading_app, golive_qa;
GRANT USAGE ON SCHEMA public TO trading_app, golive_qa;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO trading_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO trading_app;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO golive_qa;
GRANT pg_read_all_settings, pg_read_all_stats TO golive_qa;
-- the QA role audits the host-based authentication rules (hardening suite)
GRANT SELECT ON pg_catalog.pg_hba_file_rules TO golive_qa;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_hba_file_rules() TO golive_qa;
