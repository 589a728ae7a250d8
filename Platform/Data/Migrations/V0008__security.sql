-- Security monitoring: per-organization IP rules, security alerts and the people they go to.
-- Security events themselves are audit rows (audit_logs.is_security_event), written by
-- Platform.Security.SecurityEventRecorder; nothing here duplicates them.

-- Severities in order, so "at least medium" is a comparison rather than a list in every query.
CREATE FUNCTION security_severity_rank(severity text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4 END $$;

-- IP allow/deny lists. Deny rules always block; once an organization has any allow rule, only
-- addresses matching one are let in. IPv4-mapped IPv6 rules are stored as IPv4 by the service.
CREATE TABLE ip_rules (
    tenant_id   uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id          uuid        NOT NULL,
    cidr        cidr        NOT NULL,
    action      text        NOT NULL CHECK (action IN ('allow', 'deny')),
    description text        CHECK (char_length(description) <= 200),
    created_by  uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    -- The same network twice (with either action) is a mistake, and a deny beside an allow of the
    -- same network would read as a contradiction.
    UNIQUE (tenant_id, cidr)
);

ALTER TABLE ip_rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY ip_rules_isolation ON ip_rules
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- Who in the organization receives security alerts, and from which severity up. A contact must be
-- a member: leaving the organization removes them.
CREATE TABLE security_contacts (
    tenant_id    uuid NOT NULL,
    user_id      uuid NOT NULL,
    min_severity text NOT NULL DEFAULT 'medium' CHECK (min_severity IN ('low', 'medium', 'high', 'critical')),
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES organization_members (tenant_id, user_id) ON DELETE CASCADE
);

ALTER TABLE security_contacts ENABLE ROW LEVEL SECURITY;
CREATE POLICY security_contacts_isolation ON security_contacts
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- Alerts raised from security events. deliver_after follows the severity (critical now, high
-- +5 min, medium +15 min, low at the next daily digest); delivery sets delivered_at. Low alerts
-- are folded into one digest alert per organization per run: digest_id points at it, and the
-- in-app list shows the digest instead of each of them.
CREATE TABLE security_alerts (
    tenant_id     uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id            uuid        NOT NULL,
    event_type    text        NOT NULL CHECK (char_length(event_type) BETWEEN 1 AND 100),
    severity      text        NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    title         text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    detail        text        CHECK (char_length(detail) <= 4000),
    created_at    timestamptz NOT NULL,
    deliver_after timestamptz NOT NULL,
    delivered_at  timestamptz,
    read_at       timestamptz,
    digest_id     uuid,
    PRIMARY KEY (tenant_id, id)
);
-- The delivery job's scan: only undelivered rows, in due order.
CREATE INDEX security_alerts_due ON security_alerts (deliver_after) WHERE delivered_at IS NULL;
-- The in-app list, newest first.
CREATE INDEX security_alerts_delivered ON security_alerts (tenant_id, delivered_at DESC) WHERE delivered_at IS NOT NULL;

ALTER TABLE security_alerts ENABLE ROW LEVEL SECURITY;
CREATE POLICY security_alerts_isolation ON security_alerts
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

-- The organizations with alerts due at `at`. The delivery job runs without a tenant (row-level
-- security would show it nothing), so this SECURITY DEFINER function hands it tenant ids only;
-- the job then delivers each organization's alerts in that organization's own transaction.
CREATE FUNCTION security_alert_tenants_due(at timestamptz) RETURNS SETOF uuid
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$ SELECT DISTINCT tenant_id FROM security_alerts WHERE delivered_at IS NULL AND deliver_after <= at $$;

REVOKE EXECUTE ON FUNCTION security_alert_tenants_due(timestamptz) FROM PUBLIC;
