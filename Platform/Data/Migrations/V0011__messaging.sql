-- Messaging: the outbox (events written with the change that caused them), the PostgreSQL queue
-- transport, dead letters, and each consumer's inbox of handled message ids.
--
-- Rows belong to an organization (tenant_id) or to the platform (NULL). Requests see their own
-- organization's rows through row-level security as everywhere else; the Workers that relay and
-- consume messages for every organization run in the system scope (CALL app_set_system_scope()).

-- The system scope of the current transaction: set only by platform processes, never from a request.
CREATE FUNCTION app_in_system_scope() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(current_setting('app.scope', true), '') = 'system' $$;

CREATE PROCEDURE app_set_system_scope()
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM set_config('app.scope', 'system', true), set_config('app.tenant_id', '', true), set_config('app.user_id', '', true);
END
$$;

CREATE TABLE outbox_messages (
    id           uuid        PRIMARY KEY,
    -- Publication order; identity values are assigned at insert, so a long transaction may commit
    -- a lower position after a higher one has been relayed: the relay orders, it does not rely on gaps.
    position     bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    tenant_id    uuid        REFERENCES organizations (id) ON DELETE CASCADE,
    type         text        NOT NULL CHECK (type ~ '^[a-z][a-z0-9_.-]{0,127}$'),
    payload      jsonb       NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_messages_unpublished ON outbox_messages (position) WHERE published_at IS NULL;
CREATE INDEX outbox_messages_published ON outbox_messages (published_at) WHERE published_at IS NOT NULL;

CREATE TABLE queue_messages (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue        text        NOT NULL CHECK (queue ~ '^[a-z][a-z0-9_.-]{0,127}$'),
    message_id   uuid        NOT NULL,
    tenant_id    uuid        REFERENCES organizations (id) ON DELETE CASCADE,
    type         text        NOT NULL,
    payload      jsonb       NOT NULL,
    priority     smallint    NOT NULL DEFAULT 0,
    -- Visible to consumers from this time on: a delayed message waits, a claimed one is hidden for its lease.
    available_at timestamptz NOT NULL DEFAULT now(),
    attempts     integer     NOT NULL DEFAULT 0,
    -- The claim that may complete, retry or dead-letter the message; a new claim after an expired lease replaces it.
    lease_token  uuid,
    last_error   text,
    enqueued_at  timestamptz NOT NULL DEFAULT now(),
    -- The same message sent twice (a relay that died before recording its send) is queued once.
    UNIQUE (queue, message_id)
);
-- Claims walk the organizations with queued messages (one probe each) and take each one's next due
-- messages from here, so one organization's backlog cannot starve another's.
CREATE INDEX queue_messages_ready ON queue_messages (queue, tenant_id, priority DESC, available_at, id);

CREATE TABLE dead_letters (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    queue        text        NOT NULL,
    message_id   uuid        NOT NULL,
    tenant_id    uuid        REFERENCES organizations (id) ON DELETE CASCADE,
    type         text        NOT NULL,
    payload      jsonb       NOT NULL,
    priority     smallint    NOT NULL,
    attempts     integer     NOT NULL,
    last_error   text        NOT NULL,
    enqueued_at  timestamptz NOT NULL,
    dead_at      timestamptz NOT NULL DEFAULT now(),
    replayed_at  timestamptz
);
CREATE INDEX dead_letters_tenant ON dead_letters (tenant_id, dead_at DESC, id);

CREATE TABLE inbox_messages (
    consumer     text        NOT NULL,
    message_id   uuid        NOT NULL,
    tenant_id    uuid        REFERENCES organizations (id) ON DELETE CASCADE,
    handled_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);
CREATE INDEX inbox_messages_handled ON inbox_messages (handled_at);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['outbox_messages', 'queue_messages', 'dead_letters', 'inbox_messages'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY %I ON %I
            USING ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()))
            WITH CHECK ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()))$p$, t || '_isolation', t);
    END LOOP;
END
$$;
