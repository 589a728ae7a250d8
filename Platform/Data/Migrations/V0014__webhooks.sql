-- Outbound webhooks (Standard Webhooks): the organization's endpoints and their signing secrets, the
-- messages made from its integration events, one delivery per message and endpoint (a durable due-time
-- row the Workers claim with FOR UPDATE SKIP LOCKED), and the log of every attempt.
--
-- Requests see their own organization's rows; the Workers' delivery job claims due deliveries of every
-- organization in the system scope, then records each result keyed to its organization.

CREATE TABLE webhook_endpoints (
    tenant_id     uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id            uuid        NOT NULL,
    url           text        NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2000),
    description   text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    event_types   text[]      NOT NULL,
    enabled       boolean     NOT NULL DEFAULT true,
    -- Why the platform turned it off ('gone': the receiver answered 410; 'failing': only failures for days).
    disabled_reason text,
    -- Start of the current streak of failures; any success clears it.
    failing_since timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhook_endpoints_subscriptions ON webhook_endpoints USING gin (event_types) WHERE enabled;

-- Signing secrets, protected by the data-protection key ring (they must be recoverable to sign). The
-- current one has no expiry; a rotated-out one signs beside it until expires_at.
CREATE TABLE webhook_endpoint_secrets (
    tenant_id   uuid        NOT NULL,
    endpoint_id uuid        NOT NULL,
    id          uuid        NOT NULL,
    protected   text        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz,
    PRIMARY KEY (tenant_id, endpoint_id, id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE
);

-- One message per integration event (or test event): its id is the webhook-id header on every attempt
-- to every endpoint, and body holds the exact bytes sent and signed.
CREATE TABLE webhook_messages (
    tenant_id  uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id         text        NOT NULL CHECK (id ~ '^msg_[A-Za-z0-9_]{1,60}$'),
    event_id   uuid        NOT NULL,
    event_type text        NOT NULL,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    endpoint_id     uuid        NOT NULL,
    message_id      text        NOT NULL,
    -- pending (an attempt is due at next_attempt_at), succeeded, failed (schedule exhausted or endpoint gone), cancelled (endpoint off).
    status          text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
    attempts        integer     NOT NULL DEFAULT 0,
    -- What started the current round of attempts: 'scheduled' (an event), 'replay' or 'test'; logged on each attempt.
    trigger         text        NOT NULL CHECK (trigger IN ('scheduled', 'replay', 'test')),
    next_attempt_at timestamptz,
    -- The claim that may record the attempt's result; a claim whose lease expired is replaced.
    lease_token     uuid,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, endpoint_id, message_id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, message_id) REFERENCES webhook_messages (tenant_id, id) ON DELETE CASCADE
);
-- What the delivery job claims: due pending deliveries, oldest due first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    delivery_id   uuid        NOT NULL,
    endpoint_id   uuid        NOT NULL,
    message_id    text        NOT NULL,
    attempted_at  timestamptz NOT NULL,
    succeeded     boolean     NOT NULL,
    status_code   integer,
    latency_ms    integer     NOT NULL,
    response_body text        CHECK (octet_length(response_body) <= 1024),
    error         text        CHECK (char_length(error) <= 1000),
    trigger       text        NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (tenant_id, endpoint_id, attempted_at DESC, id DESC);
CREATE INDEX webhook_attempts_message ON webhook_attempts (tenant_id, message_id, attempted_at DESC, id DESC);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['webhook_endpoints', 'webhook_endpoint_secrets', 'webhook_messages', 'webhook_deliveries', 'webhook_attempts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY %I ON %I
            USING ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()))
            WITH CHECK ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()))$p$, t || '_isolation', t);
    END LOOP;
END
$$;
