-- In-app notifications: one member's messages in one organization, read or unread.
CREATE TABLE notifications (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid        NOT NULL,
    user_id     uuid        NOT NULL,
    type        text        NOT NULL CHECK (type ~ '^[a-z][a-z0-9_.-]{0,127}$'),
    title       text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    body        text        CHECK (char_length(body) <= 2000),
    link        text        CHECK (char_length(link) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz,
    -- Leaving the organization takes the member's notifications with it.
    FOREIGN KEY (tenant_id, user_id) REFERENCES organization_members (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX notifications_inbox ON notifications (tenant_id, user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (tenant_id, user_id) WHERE read_at IS NULL;

-- A member sees only their own; the platform (a transaction with the organization but no user, as the
-- Workers run) may write to any member of that organization.
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
CREATE POLICY notifications_isolation ON notifications
    USING (tenant_id = (SELECT app_current_tenant()) AND (user_id = (SELECT app_current_user()) OR (SELECT app_current_user()) IS NULL))
    WITH CHECK (tenant_id = (SELECT app_current_tenant()) AND (user_id = (SELECT app_current_user()) OR (SELECT app_current_user()) IS NULL));

-- What a member wants of each notification type, per channel; no row means every channel.
CREATE TABLE notification_preferences (
    tenant_id  uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    type       text        NOT NULL CHECK (type ~ '^[a-z][a-z0-9_.-]{0,127}$'),
    in_app     boolean     NOT NULL,
    email      boolean     NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, type),
    FOREIGN KEY (tenant_id, user_id) REFERENCES organization_members (tenant_id, user_id) ON DELETE CASCADE
);

ALTER TABLE notification_preferences ENABLE ROW LEVEL SECURITY;
CREATE POLICY notification_preferences_isolation ON notification_preferences
    USING (tenant_id = (SELECT app_current_tenant()) AND (user_id = (SELECT app_current_user()) OR (SELECT app_current_user()) IS NULL))
    WITH CHECK (tenant_id = (SELECT app_current_tenant()) AND user_id = (SELECT app_current_user()));
