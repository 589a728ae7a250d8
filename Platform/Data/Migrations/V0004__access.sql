-- Access control (RBAC). The permission catalogue and the system roles are defined in code
-- (Platform/Access) and written here by PermissionCatalogueSeeder, as the owner, after migrations.
-- Tenants compose custom roles from the catalogue and assign roles to their members.

-- The catalogue: read by everyone, written only by the seeder (the owner bypasses row-level security).
CREATE TABLE permissions (
    name         text PRIMARY KEY CHECK (name ~ '^[a-z_]+(\.[a-z_]+)+$'),
    group_name   text NOT NULL,
    display_name text NOT NULL,
    description  text NOT NULL CHECK (description <> '')
);

ALTER TABLE permissions ENABLE ROW LEVEL SECURITY;
CREATE POLICY permissions_read ON permissions FOR SELECT USING (true);

-- System roles (tenant_id NULL, fixed ids, ranked) are shared by every organization;
-- custom roles belong to one organization.
CREATE TABLE roles (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid        REFERENCES organizations (id) ON DELETE CASCADE,
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    description text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    is_system   boolean     NOT NULL DEFAULT false,
    rank        integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT roles_system_roles_are_global CHECK (is_system = (tenant_id IS NULL)),
    CONSTRAINT roles_only_system_roles_are_ranked CHECK ((rank IS NOT NULL) = is_system),
    CONSTRAINT roles_tenant_id_name UNIQUE NULLS NOT DISTINCT (tenant_id, name)
);

ALTER TABLE roles ENABLE ROW LEVEL SECURITY;
-- Everyone sees the system roles and their own organization's roles...
CREATE POLICY roles_visible ON roles FOR SELECT
    USING (tenant_id IS NULL OR tenant_id = app_current_tenant());
-- ...but may only write their own organization's: the application role cannot create or change system roles.
CREATE POLICY roles_tenant_writes ON roles FOR ALL
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

CREATE TABLE role_permissions (
    role_id         uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    -- Removing a permission from the catalogue removes it from every role.
    permission_name text NOT NULL REFERENCES permissions (name) ON DELETE CASCADE ON UPDATE CASCADE,
    PRIMARY KEY (role_id, permission_name)
);
CREATE INDEX role_permissions_permission_name ON role_permissions (permission_name);

ALTER TABLE role_permissions ENABLE ROW LEVEL SECURITY;
-- Visible and writable through the role, by the same rules as roles.
CREATE POLICY role_permissions_visible ON role_permissions FOR SELECT
    USING (EXISTS (SELECT 1 FROM roles r
                   WHERE r.id = role_permissions.role_id
                     AND (r.tenant_id IS NULL OR r.tenant_id = app_current_tenant())));
CREATE POLICY role_permissions_tenant_writes ON role_permissions FOR ALL
    USING (EXISTS (SELECT 1 FROM roles r WHERE r.id = role_permissions.role_id AND r.tenant_id = app_current_tenant()))
    WITH CHECK (EXISTS (SELECT 1 FROM roles r WHERE r.id = role_permissions.role_id AND r.tenant_id = app_current_tenant()));

-- Tenant-owned: which roles each member holds in an organization. Leaving the organization
-- (deleting the membership) ends its role assignments.
CREATE TABLE member_roles (
    tenant_id  uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    role_id    uuid        NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    granted_by uuid        REFERENCES users (id) ON DELETE SET NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, role_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES organization_members (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX member_roles_tenant_id_role_id ON member_roles (tenant_id, role_id);
CREATE INDEX member_roles_user_id ON member_roles (user_id);
-- For the cascade when a role is deleted, which looks assignments up by role alone.
CREATE INDEX member_roles_role_id ON member_roles (role_id);

ALTER TABLE member_roles ENABLE ROW LEVEL SECURITY;
-- The current organization's assignments; and a signed-in user's own, across organizations.
CREATE POLICY member_roles_visible ON member_roles FOR SELECT
    USING (tenant_id = app_current_tenant() OR user_id = app_current_user());
-- Writes stay within the current organization, and only with a system role or one of its own roles.
CREATE POLICY member_roles_tenant_writes ON member_roles FOR ALL
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant()
                AND EXISTS (SELECT 1 FROM roles r
                            WHERE r.id = member_roles.role_id
                              AND (r.tenant_id IS NULL OR r.tenant_id = member_roles.tenant_id)));
