-- Memberships: a user may read their own memberships in every organization (to list and switch
-- between them), but writes are confined to the current organization. V0003's single policy
-- also let a user delete their own memberships elsewhere; split it into read and write policies.
DROP POLICY organization_members_isolation ON organization_members;

CREATE POLICY organization_members_read ON organization_members FOR SELECT
    USING (tenant_id = app_current_tenant() OR user_id = app_current_user());

CREATE POLICY organization_members_insert ON organization_members FOR INSERT
    WITH CHECK (tenant_id = app_current_tenant());

CREATE POLICY organization_members_update ON organization_members FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

CREATE POLICY organization_members_delete ON organization_members FOR DELETE
    USING (tenant_id = app_current_tenant());
