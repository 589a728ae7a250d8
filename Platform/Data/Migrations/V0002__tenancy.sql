-- Tenancy: organizations are the tenants. Every tenant-owned table carries tenant_id (first in
-- its key and indexes) and a row-level security policy keyed on the transaction's setting
-- app.tenant_id, which the data layer sets with set_config(..., true) at the start of each
-- unit of work. Services connect as the application role, which is not the table owner, so
-- the policies always apply to them.

-- The tenant (and user) of the current transaction; NULL when none is set, so policies match nothing.
CREATE FUNCTION app_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE FUNCTION app_current_user() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

CREATE TABLE organizations (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- DNS-label shaped: it doubles as the subdomain under the configured base domain.
    slug         text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    name         text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    plan         text        NOT NULL DEFAULT 'free',
    mfa_required boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);
