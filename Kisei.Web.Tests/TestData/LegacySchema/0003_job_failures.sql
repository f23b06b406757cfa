-- Failed job runs with their whole exception text: Quartz's execution history keeps only the message.

CREATE TABLE job_failures (
    scheduler_instance_id character varying(200) NOT NULL,
    fire_instance_id character varying(200) NOT NULL,
    job_group character varying(200) NOT NULL,
    job_name character varying(200) NOT NULL,
    trigger_group character varying(200) NOT NULL,
    trigger_name character varying(200) NOT NULL,
    fired_at timestamp with time zone NOT NULL,
    exception_type character varying(500) NOT NULL,
    message character varying(4000) NOT NULL,
    detail character varying(32000) NOT NULL,
    CONSTRAINT pk_job_failures PRIMARY KEY (scheduler_instance_id, fire_instance_id)
);

CREATE INDEX ix_job_failures_fired_at ON job_failures (fired_at);
