-- Email: organizations' branding for emails, their versions of the platform's templates, and the send log.

-- Optional branding; emails fall back to the platform's logo and colour (Email:LogoUrl, Email:PrimaryColor).
ALTER TABLE organizations
    ADD COLUMN brand_logo_url text CHECK (brand_logo_url IS NULL OR (char_length(brand_logo_url) <= 2000 AND brand_logo_url ~ '^https?://[^\s"<>]+$')),
    ADD COLUMN brand_color    text CHECK (brand_color IS NULL OR brand_color ~ '^#[0-9a-fA-F]{6}$');

-- An organization's version of a platform template in one culture. A part left NULL uses the platform's.
CREATE TABLE email_template_overrides (
    tenant_id    uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    template_key text        NOT NULL CHECK (template_key ~ '^[a-z][a-z0-9_]{0,63}$'),
    culture      text        NOT NULL CHECK (culture ~ '^[a-z]{2}$'),
    subject      text        CHECK (char_length(subject) BETWEEN 1 AND 500),
    html         text        CHECK (char_length(html) BETWEEN 1 AND 100000),
    text         text        CHECK (char_length(text) BETWEEN 1 AND 100000),
    updated_by   uuid,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, template_key, culture),
    CHECK (subject IS NOT NULL OR html IS NOT NULL OR text IS NOT NULL)
);

ALTER TABLE email_template_overrides ENABLE ROW LEVEL SECURITY;
CREATE POLICY email_template_overrides_isolation ON email_template_overrides
    USING (tenant_id = (SELECT app_current_tenant()))
    WITH CHECK (tenant_id = (SELECT app_current_tenant()));

-- Every email the platform sends: rendered when queued, delivered by the Workers (or at once for sign-in emails).
-- The bodies may hold one-time codes: they are kept only until the email is sent or given up on.
CREATE TABLE email_messages (
    id          uuid        PRIMARY KEY,
    -- NULL for platform emails that belong to no organization (a password reset of a user without one).
    tenant_id   uuid        REFERENCES organizations (id) ON DELETE CASCADE,
    template    text        NOT NULL,
    culture     text        NOT NULL,
    recipient   text        NOT NULL CHECK (char_length(recipient) BETWEEN 3 AND 320),
    subject     text        NOT NULL,
    html_body   text,
    text_body   text,
    status      text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts    integer     NOT NULL DEFAULT 0,
    last_error  text        CHECK (char_length(last_error) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX email_messages_log ON email_messages (tenant_id, created_at DESC, id DESC);

-- An organization sees its own; the Workers (system scope) deliver everyone's and the platform's.
ALTER TABLE email_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY email_messages_isolation ON email_messages
    USING ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()))
    WITH CHECK ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()));
