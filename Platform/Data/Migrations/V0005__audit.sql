-- Audit: an append-only, tamper-evident log of every mutation and security event.
--
-- Rows are partitioned by month on occurred_at so that retention drops whole partitions instead
-- of deleting rows. Each tenant's rows form a hash chain (sequence, previous_hash, hash) computed
-- by Platform.Audit.AuditWriter; audit_chain_heads holds the end of each chain so an append locks
-- one small row instead of scanning the log, and audit_chain_anchors remembers where a chain
-- resumes after retention dropped its beginning.
--
-- tenant_id is NULL for platform-level events (a failed login for an unknown address, a platform
-- administrator's action): they belong to no organization. The row-level security policy shows
-- them only to a transaction that has no tenant set, which is platform code by construction
-- (tenant units of work always set app.tenant_id first). Because a primary key cannot hold NULL,
-- the key is (id, occurred_at) (it must contain the partition key) and tenant_id leads the
-- indexes instead.
--
-- Keeping the application role from changing history. Two layers, because one is not enough:
--   1. Privileges. The owner's default privileges grant SELECT, INSERT, UPDATE, DELETE to the
--      application role on every table it creates, including the partitions created later, so
--      audit_lock_down() revokes what the application must not have from every role except the
--      owner, whatever its name (the application role is named per deployment). Partitions get
--      no privileges at all: everything goes through audit_logs, where the policy applies.
--   2. Triggers. Privileges alone do not last: provisioning re-runs
--      GRANT ... ON ALL TABLES IN SCHEMA public TO <app> on every start, which silently restores
--      UPDATE and DELETE. So a trigger refuses UPDATE, DELETE and TRUNCATE from any role that is
--      not a member of the table's owner, and each partition has row-level security enabled
--      with no policy, so a direct query on a partition (which ignores the parent's policies)
--      sees and changes nothing.
-- The owner (the migration identity, held by operators, never by services) stays able to repair
-- data; anything it changes is still caught by the hash chain verifier.

-- Refuses a change to audit history unless the current role can act as the table's owner.
-- SECURITY INVOKER on purpose: current_user must be the caller, not the function's owner.
CREATE FUNCTION audit_forbid_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'audit history is append-only: % on % is not allowed for role %', TG_OP, TG_TABLE_NAME, current_user
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Revokes the given privileges on a table from PUBLIC and from every role granted anything on
-- it other than its owner. Run after creating each audit table or partition.
CREATE FUNCTION audit_lock_down(target regclass, privileges text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
    AS $$
DECLARE
    grantee name;
BEGIN
    EXECUTE format('REVOKE %s ON %s FROM PUBLIC', privileges, target);
    FOR grantee IN
        SELECT DISTINCT r.rolname
        FROM pg_class c
        CROSS JOIN LATERAL aclexplode(c.relacl) a
        JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.oid = target AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('REVOKE %s ON %s FROM %I', privileges, target, grantee);
    END LOOP;
END
$$;

CREATE TABLE audit_logs (
    tenant_id         uuid,
    id                bigint      GENERATED ALWAYS AS IDENTITY,
    occurred_at       timestamptz NOT NULL,
    actor_id          uuid,
    actor_type        text        NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
    action            text        NOT NULL CHECK (char_length(action) BETWEEN 1 AND 200),
    resource_type     text        NOT NULL CHECK (char_length(resource_type) BETWEEN 1 AND 200),
    resource_id       text,
    changes           jsonb,
    ip                inet,
    user_agent        text,
    trace_id          text,
    is_security_event boolean     NOT NULL DEFAULT false,
    sequence          bigint      NOT NULL CHECK (sequence > 0),
    previous_hash     bytea       NOT NULL CHECK (octet_length(previous_hash) = 32),
    hash              bytea       NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);

-- The viewer's order (newest first) and its cursor; the verifier's walk along one chain.
CREATE INDEX audit_logs_tenant_time ON audit_logs (tenant_id, occurred_at, id);
CREATE INDEX audit_logs_tenant_sequence ON audit_logs (tenant_id, sequence);

ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
-- A tenant's transaction sees its own rows; a transaction without a tenant sees platform events.
-- Spelled as an OR of equalities rather than IS NOT DISTINCT FROM so the index can serve it.
CREATE POLICY audit_logs_isolation ON audit_logs
    USING (tenant_id = app_current_tenant() OR (tenant_id IS NULL AND app_current_tenant() IS NULL))
    WITH CHECK (tenant_id = app_current_tenant() OR (tenant_id IS NULL AND app_current_tenant() IS NULL));

-- Row triggers on a partitioned table are cloned onto every partition, present and future.
CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION audit_forbid_change();
-- TRUNCATE triggers are per table: each partition gets its own in audit_ensure_partition.
CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION audit_forbid_change();

SELECT audit_lock_down('audit_logs', 'UPDATE, DELETE, TRUNCATE');

-- The end of each tenant's chain; the platform's own chain (tenant_id NULL in audit_logs) is
-- keyed by the nil UUID here because a primary key cannot be NULL.
CREATE TABLE audit_chain_heads (
    tenant_id uuid   PRIMARY KEY,
    sequence  bigint NOT NULL CHECK (sequence >= 0),
    hash      bytea  NOT NULL CHECK (octet_length(hash) = 32)
);

ALTER TABLE audit_chain_heads ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_chain_heads_isolation ON audit_chain_heads
    USING (tenant_id = COALESCE(app_current_tenant(), '00000000-0000-0000-0000-000000000000'))
    WITH CHECK (tenant_id = COALESCE(app_current_tenant(), '00000000-0000-0000-0000-000000000000'));

-- A head only ever moves forward one entry at a time; rewinding it would hide a missing tail.
CREATE FUNCTION audit_chain_head_advance_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.tenant_id <> OLD.tenant_id OR NEW.sequence <> OLD.sequence + 1 THEN
        RAISE EXCEPTION 'an audit chain head only advances by one entry (from % to %)', OLD.sequence, NEW.sequence
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_chain_heads_advance_only BEFORE UPDATE ON audit_chain_heads
    FOR EACH ROW EXECUTE FUNCTION audit_chain_head_advance_only();
CREATE TRIGGER audit_chain_heads_no_delete BEFORE DELETE ON audit_chain_heads
    FOR EACH ROW EXECUTE FUNCTION audit_forbid_change();
CREATE TRIGGER audit_chain_heads_no_truncate BEFORE TRUNCATE ON audit_chain_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_forbid_change();

SELECT audit_lock_down('audit_chain_heads', 'DELETE, TRUNCATE');

-- Where each chain resumes once retention dropped its oldest partitions: the last dropped entry's
-- sequence and hash. Written only by audit_drop_partitions_before (as the owner).
CREATE TABLE audit_chain_anchors (
    tenant_id  uuid        PRIMARY KEY,
    sequence   bigint      NOT NULL CHECK (sequence > 0),
    hash       bytea       NOT NULL CHECK (octet_length(hash) = 32),
    dropped_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE audit_chain_anchors ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_chain_anchors_isolation ON audit_chain_anchors
    USING (tenant_id = COALESCE(app_current_tenant(), '00000000-0000-0000-0000-000000000000'));

CREATE TRIGGER audit_chain_anchors_owner_only BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_anchors
    FOR EACH ROW EXECUTE FUNCTION audit_forbid_change();
CREATE TRIGGER audit_chain_anchors_no_truncate BEFORE TRUNCATE ON audit_chain_anchors
    FOR EACH STATEMENT EXECUTE FUNCTION audit_forbid_change();

SELECT audit_lock_down('audit_chain_anchors', 'INSERT, UPDATE, DELETE, TRUNCATE');

-- Creates the partition for the month containing `month` unless it exists; true when created.
-- SECURITY DEFINER so the scheduled maintenance job can run as the application role: the
-- partition is then owned by the owner like every other table, and creating a month ahead is
-- the only thing this lets the application do.
CREATE FUNCTION audit_ensure_partition(month date) RETURNS boolean
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    partition_name text := format('audit_logs_y%sm%s', to_char(first_day, 'YYYY'), to_char(first_day, 'MM'));
BEGIN
    -- Two maintenance runs racing each other create the partition once.
    PERFORM pg_advisory_xact_lock(hashtext('audit_ensure_partition'));
    IF to_regclass(partition_name) IS NOT NULL THEN
        RETURN false;
    END IF;

    -- Bounds are written in UTC so a month means the same instants whatever the session's TimeZone.
    EXECUTE format(
        'CREATE TABLE %I PARTITION OF audit_logs FOR VALUES FROM (%L) TO (%L)',
        partition_name,
        first_day::text || ' 00:00:00+00',
        (first_day + interval '1 month')::date::text || ' 00:00:00+00');
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', partition_name);
    EXECUTE format(
        'CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_forbid_change()',
        partition_name);
    PERFORM audit_lock_down(partition_name::regclass, 'ALL');
    RETURN true;
END
$$;

-- Detaches and drops every monthly partition that ends on or before `cutoff`, first recording
-- each tenant's last entry in them as the anchor its chain resumes from. Returns the names
-- dropped. Refuses a cutoff less than a year ago so that a mistaken or hostile call from the
-- application role cannot erase recent history.
CREATE FUNCTION audit_drop_partitions_before(cutoff timestamptz) RETURNS SETOF text
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    partition_name text;
    partition_end timestamptz;
BEGIN
    IF cutoff > now() - interval '1 year' THEN
        RAISE EXCEPTION 'audit retention shorter than one year is refused (cutoff %)', cutoff
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    PERFORM pg_advisory_xact_lock(hashtext('audit_ensure_partition'));
    FOR partition_name, partition_end IN
        SELECT c.relname,
               (make_date(substring(c.relname FROM 13 FOR 4)::int, substring(c.relname FROM 18 FOR 2)::int, 1)
                   + interval '1 month')::timestamp AT TIME ZONE 'UTC'
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'audit_logs'::regclass AND c.relname ~ '^audit_logs_y[0-9]{4}m[0-9]{2}$'
        ORDER BY c.relname
    LOOP
        CONTINUE WHEN partition_end > cutoff;

        -- Partitions are dropped oldest first, so the newest anchor wins.
        EXECUTE format($q$
            INSERT INTO audit_chain_anchors (tenant_id, sequence, hash)
            SELECT DISTINCT ON (tenant_id) COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'), sequence, hash
            FROM %I
            ORDER BY tenant_id, sequence DESC
            ON CONFLICT (tenant_id) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash, dropped_at = now()
                WHERE excluded.sequence > audit_chain_anchors.sequence
            $q$, partition_name);
        EXECUTE format('ALTER TABLE audit_logs DETACH PARTITION %I', partition_name);
        EXECUTE format('DROP TABLE %I', partition_name);
        RETURN NEXT partition_name;
    END LOOP;
END
$$;

-- Functions are executable by PUBLIC unless revoked; the application role keeps EXECUTE through
-- the owner's default privileges.
REVOKE EXECUTE ON FUNCTION audit_ensure_partition(date), audit_drop_partitions_before(timestamptz),
    audit_lock_down(regclass, text) FROM PUBLIC;

-- This month and the next two, so the application can write before the first maintenance run.
SELECT audit_ensure_partition((date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => m))::date)
FROM generate_series(0, 2) AS m;
