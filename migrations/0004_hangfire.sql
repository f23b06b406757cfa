-- Jobs moved from Quartz.NET to Hangfire, which keeps its tables in a schema of its own (created by
-- Hangfire at start). Quartz's tables and the job_failures table, which only Quartz's dashboard used,
-- go; players, screams, snapshots and scaling runs are untouched.

DROP TABLE IF EXISTS job_failures;

DO $$
DECLARE
    quartz_table text;
BEGIN
    FOR quartz_table IN
        SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'qrtz\_%'
    LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', quartz_table);
    END LOOP;
END $$;
