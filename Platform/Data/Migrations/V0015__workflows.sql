-- Workflows: definitions with an editable draft and immutable published versions, executions that pin
-- the version they started on, and one row per step attempt. Executions are their own durable work
-- queue: Workers claim due rows with FOR UPDATE SKIP LOCKED and hold a lease they renew (heartbeat);
-- an expired lease makes the row claimable again, so a crashed Worker's execution resumes elsewhere
-- from its last committed step.

CREATE TABLE workflow_definitions (
    tenant_id         uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                uuid        NOT NULL DEFAULT gen_random_uuid(),
    name              text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description       text        CHECK (char_length(description) <= 2000),
    -- The member whose permissions actions that change records run with (null: created by an API key).
    owner_id          uuid,
    draft             jsonb       NOT NULL,
    -- The version new triggers start; null until the first publication.
    published_version integer,
    -- SHA-256 of the inbound webhook's secret token; the token itself is shown once.
    hook_token_hash   bytea,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id)
);

CREATE TABLE workflow_versions (
    tenant_id     uuid        NOT NULL,
    definition_id uuid        NOT NULL,
    version       integer     NOT NULL CHECK (version > 0),
    graph         jsonb       NOT NULL,
    trigger_type  text        NOT NULL CHECK (trigger_type IN ('manual', 'event', 'cron', 'webhook')),
    -- The event type (trigger_type 'event') or cron expression (trigger_type 'cron').
    trigger_value text,
    published_at  timestamptz NOT NULL DEFAULT now(),
    published_by  uuid,
    PRIMARY KEY (tenant_id, definition_id, version),
    FOREIGN KEY (tenant_id, definition_id) REFERENCES workflow_definitions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX workflow_versions_trigger ON workflow_versions (tenant_id, trigger_type, trigger_value);

CREATE TABLE workflow_executions (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    definition_id   uuid        NOT NULL,
    version         integer     NOT NULL,
    status          text        NOT NULL CHECK (status IN ('queued', 'running', 'waiting', 'completed', 'failed', 'cancelled')),
    -- {trigger: {type, data}, steps: {nodeId: {output}}, vars: {}}: what templates and conditions read.
    context         jsonb       NOT NULL,
    -- Nodes still to run, in order; the head runs next.
    pending         text[]      NOT NULL,
    -- Attempts of the head node so far (a Worker that died mid-step counts as one).
    attempt         integer     NOT NULL DEFAULT 0,
    -- Not claimed before this time: a delay's end, a retry's backoff.
    due_at          timestamptz NOT NULL DEFAULT now(),
    lease_owner     uuid,
    lease_until     timestamptz,
    -- One execution per trigger occurrence (a cron fire time, an event id), when the trigger has one.
    trigger_key     text,
    started_by      uuid,
    error           text,
    failed_node     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    FOREIGN KEY (tenant_id, definition_id, version) REFERENCES workflow_versions (tenant_id, definition_id, version) ON DELETE CASCADE
);
CREATE UNIQUE INDEX workflow_executions_trigger_key ON workflow_executions (tenant_id, definition_id, trigger_key) WHERE trigger_key IS NOT NULL;
CREATE INDEX workflow_executions_list ON workflow_executions (tenant_id, definition_id, created_at DESC, id DESC);
-- What Workers claim: due rows of the active states only.
CREATE INDEX workflow_executions_due ON workflow_executions (due_at) WHERE status IN ('queued', 'running', 'waiting');
CREATE INDEX workflow_executions_running ON workflow_executions (tenant_id) WHERE status = 'running';

CREATE TABLE workflow_steps (
    tenant_id    uuid        NOT NULL,
    id           bigint      GENERATED ALWAYS AS IDENTITY,
    execution_id uuid        NOT NULL,
    node_id      text        NOT NULL,
    node_type    text        NOT NULL,
    attempt      integer     NOT NULL,
    status       text        NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'abandoned', 'cancelled')),
    output       jsonb,
    error        text,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, execution_id) REFERENCES workflow_executions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX workflow_steps_execution ON workflow_steps (tenant_id, execution_id, id);

-- Requests see their organization's rows; the Workers that claim executions and keep schedules for
-- every organization run in the system scope.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workflow_definitions', 'workflow_versions', 'workflow_executions', 'workflow_steps'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY %I ON %I
            USING ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()))
            WITH CHECK ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()))$p$, t || '_isolation', t);
    END LOOP;
END
$$;

-- The inbound webhook is anonymous: it knows only the workflow id. This hands back the organization and
-- the token's hash for that one id, so the Api can check the token and then act as that organization.
CREATE FUNCTION workflow_hook_target(workflow_id uuid) RETURNS TABLE (tenant_id uuid, hook_token_hash bytea)
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$ SELECT d.tenant_id, d.hook_token_hash FROM workflow_definitions d WHERE d.id = workflow_id AND d.hook_token_hash IS NOT NULL $$;

-- Quartz.NET 4.7's clustered ADO.NET job store (PostgreSQLDelegate) for cron triggers: the tables and
-- columns Quartz 4.7.3 validates at start (the 4.0-4.7 additions included: paused job groups, pause
-- reasons, continuations, fire progress, overlap policy, misfire threshold, fixed delay, scheduler
-- version, execution history). Shared by every Workers replica so each schedule fires once. Platform
-- tables, not tenant-owned: a job's data names the organization and workflow it starts.
CREATE TABLE qrtz_job_details (
    sched_name        text NOT NULL,
    job_name          text NOT NULL,
    job_group         text NOT NULL,
    description       text,
    job_class_name    text NOT NULL,
    is_durable        boolean NOT NULL,
    is_nonconcurrent  boolean NOT NULL,
    is_update_data    boolean NOT NULL,
    requests_recovery boolean NOT NULL,
    job_data          bytea,
    PRIMARY KEY (sched_name, job_name, job_group)
);
CREATE INDEX idx_qrtz_j_g_n ON qrtz_job_details (sched_name, job_group, job_name);

CREATE TABLE qrtz_triggers (
    sched_name              text     NOT NULL,
    trigger_name            text     NOT NULL,
    trigger_group           text     NOT NULL,
    job_name                text     NOT NULL,
    job_group               text     NOT NULL,
    description             text,
    next_fire_time          bigint,
    prev_fire_time          bigint,
    priority                integer,
    trigger_state           text     NOT NULL,
    trigger_type            text     NOT NULL,
    start_time              bigint   NOT NULL,
    end_time                bigint,
    calendar_name           text,
    misfire_instr           smallint,
    misfire_orig_fire_time  bigint,
    execution_group         varchar(200),
    preferred_node          varchar(200),
    preferred_node_auto     boolean  NOT NULL DEFAULT false,
    retry_policy            varchar(250),
    retry_attempt           integer,
    continues_trigger_name  text,
    continues_trigger_group text,
    continuation_condition  integer,
    overlap_policy          integer,
    pause_reason            varchar(250),
    paused_by               varchar(200),
    paused_at               bigint,
    misfire_threshold       bigint,
    fixed_delay             boolean,
    job_data                bytea,
    PRIMARY KEY (sched_name, trigger_name, trigger_group),
    FOREIGN KEY (sched_name, job_name, job_group) REFERENCES qrtz_job_details (sched_name, job_name, job_group)
);
CREATE INDEX idx_qrtz_t_c ON qrtz_triggers (sched_name, calendar_name);
CREATE INDEX idx_qrtz_t_g_n ON qrtz_triggers (sched_name, trigger_group, trigger_name);
CREATE INDEX idx_qrtz_t_j ON qrtz_triggers (sched_name, job_name, job_group);
CREATE INDEX idx_qrtz_t_nft_st ON qrtz_triggers (sched_name, trigger_state, next_fire_time, priority DESC, misfire_instr);

CREATE TABLE qrtz_simple_triggers (
    sched_name      text   NOT NULL,
    trigger_name    text   NOT NULL,
    trigger_group   text   NOT NULL,
    repeat_count    bigint NOT NULL,
    repeat_interval bigint NOT NULL,
    times_triggered bigint NOT NULL,
    PRIMARY KEY (sched_name, trigger_name, trigger_group),
    FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
);

CREATE TABLE qrtz_simprop_triggers (
    sched_name    text NOT NULL,
    trigger_name  text NOT NULL,
    trigger_group text NOT NULL,
    str_prop_1    text,
    str_prop_2    text,
    str_prop_3    text,
    int_prop_1    integer,
    int_prop_2    integer,
    long_prop_1   bigint,
    long_prop_2   bigint,
    dec_prop_1    numeric,
    dec_prop_2    numeric,
    bool_prop_1   boolean,
    bool_prop_2   boolean,
    time_zone_id  text,
    PRIMARY KEY (sched_name, trigger_name, trigger_group),
    FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
);

CREATE TABLE qrtz_cron_triggers (
    sched_name      text NOT NULL,
    trigger_name    text NOT NULL,
    trigger_group   text NOT NULL,
    cron_expression text NOT NULL,
    time_zone_id    text,
    PRIMARY KEY (sched_name, trigger_name, trigger_group),
    FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
);

CREATE TABLE qrtz_blob_triggers (
    sched_name    text NOT NULL,
    trigger_name  text NOT NULL,
    trigger_group text NOT NULL,
    blob_data     bytea,
    PRIMARY KEY (sched_name, trigger_name, trigger_group),
    FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
);

CREATE TABLE qrtz_calendars (
    sched_name    text  NOT NULL,
    calendar_name text  NOT NULL,
    calendar      bytea NOT NULL,
    PRIMARY KEY (sched_name, calendar_name)
);

CREATE TABLE qrtz_paused_trigger_grps (
    sched_name    text NOT NULL,
    trigger_group text NOT NULL,
    pause_reason  varchar(250),
    paused_by     varchar(200),
    paused_at     bigint,
    PRIMARY KEY (sched_name, trigger_group)
);

CREATE TABLE qrtz_paused_job_grps (
    sched_name   text NOT NULL,
    job_group    text NOT NULL,
    pause_reason varchar(250),
    paused_by    varchar(200),
    paused_at    bigint,
    PRIMARY KEY (sched_name, job_group)
);

CREATE TABLE qrtz_fired_triggers (
    sched_name               text    NOT NULL,
    entry_id                 text    NOT NULL,
    trigger_name             text    NOT NULL,
    trigger_group            text    NOT NULL,
    instance_name            text    NOT NULL,
    fired_time               bigint  NOT NULL,
    sched_time               bigint  NOT NULL,
    priority                 integer NOT NULL,
    state                    text    NOT NULL,
    job_name                 text,
    job_group                text,
    is_nonconcurrent         boolean NOT NULL,
    requests_recovery        boolean,
    execution_group          varchar(200),
    progress                 integer,
    progress_message         varchar(250),
    interrupt_requested_time bigint,
    PRIMARY KEY (sched_name, entry_id)
);
CREATE INDEX idx_qrtz_ft_inst_job_req_rcvry ON qrtz_fired_triggers (sched_name, instance_name, requests_recovery);
CREATE INDEX idx_qrtz_ft_j_g ON qrtz_fired_triggers (sched_name, job_name, job_group);
CREATE INDEX idx_qrtz_ft_t_g ON qrtz_fired_triggers (sched_name, trigger_name, trigger_group);

CREATE TABLE qrtz_scheduler_state (
    sched_name        text   NOT NULL,
    instance_name     text   NOT NULL,
    last_checkin_time bigint NOT NULL,
    checkin_interval  bigint NOT NULL,
    quartz_version    varchar(20),
    PRIMARY KEY (sched_name, instance_name)
);

CREATE TABLE qrtz_locks (
    sched_name text NOT NULL,
    lock_name  text NOT NULL,
    PRIMARY KEY (sched_name, lock_name)
);

-- Written only when execution history is turned on (it is not); present because the store validates them.
CREATE TABLE qrtz_job_status (
    sched_name           text    NOT NULL,
    job_group            text    NOT NULL,
    job_name             text    NOT NULL,
    first_fired_time     bigint  NOT NULL,
    last_fired_time      bigint  NOT NULL,
    last_result          integer NOT NULL,
    last_run_time        bigint  NOT NULL,
    last_instance_name   text    NOT NULL,
    last_entry_id        text,
    last_summary         text,
    last_success_time    bigint,
    last_failure_time    bigint,
    last_failure_message text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    run_count            bigint  NOT NULL DEFAULT 0,
    failure_count        bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (sched_name, job_group, job_name)
);

CREATE TABLE qrtz_execution_history (
    sched_name          text    NOT NULL,
    entry_id            text    NOT NULL,
    instance_name       text    NOT NULL,
    job_name            text    NOT NULL,
    job_group           text    NOT NULL,
    trigger_name        text    NOT NULL,
    trigger_group       text    NOT NULL,
    fired_time          bigint  NOT NULL,
    run_time            bigint  NOT NULL,
    succeeded           boolean NOT NULL,
    error_message       text,
    retry_attempt       integer NOT NULL DEFAULT 0,
    retry_scheduled     boolean NOT NULL DEFAULT false,
    execution_log       text,
    result              integer,
    summary             text,
    metrics             text,
    manual              boolean,
    fire_instance_id    text,
    job_input           text,
    job_input_too_large boolean,
    PRIMARY KEY (sched_name, entry_id)
);
CREATE INDEX idx_qrtz_eh_fire_inst ON qrtz_execution_history (sched_name, fire_instance_id);
CREATE INDEX idx_qrtz_eh_fired_time ON qrtz_execution_history (sched_name, fired_time);
CREATE INDEX idx_qrtz_eh_inst ON qrtz_execution_history (sched_name, instance_name);
CREATE INDEX idx_qrtz_eh_job_time ON qrtz_execution_history (sched_name, job_group, job_name, fired_time);
CREATE INDEX idx_qrtz_eh_trig_time ON qrtz_execution_history (sched_name, trigger_group, trigger_name, fired_time);

CREATE TABLE qrtz_misfire_history (
    sched_name    text   NOT NULL,
    entry_id      text   NOT NULL,
    instance_name text   NOT NULL,
    trigger_name  text   NOT NULL,
    trigger_group text   NOT NULL,
    job_name      text,
    job_group     text,
    misfire_time  bigint NOT NULL,
    sched_time    bigint,
    reason        integer,
    PRIMARY KEY (sched_name, entry_id)
);
CREATE INDEX idx_qrtz_mh_inst ON qrtz_misfire_history (sched_name, instance_name);
CREATE INDEX idx_qrtz_mh_misfire_time ON qrtz_misfire_history (sched_name, misfire_time);
