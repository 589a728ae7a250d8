-- Row-level security is keyed per statement batch instead of per connection lease: the data layer
-- sends CALL app_set_tenant(...) in the same round trip as the statement it keys, and the settings
-- are transaction-local, so they end with the batch's (implicit or explicit) transaction. Nothing is
-- left on a pooled connection, which lets the pool skip its reset statements.
-- A procedure rather than SELECT set_config(...): CALL returns no result set, so the statement after
-- it is the command's first result. PL/pgSQL keeps its plan for the session.
CREATE PROCEDURE app_set_tenant(tenant_id text, user_id text)
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM set_config('app.tenant_id', coalesce(tenant_id, ''), true), set_config('app.user_id', coalesce(user_id, ''), true);
END
$$;

-- Members in joining order: the list reads this index in order, so a page stops after its rows
-- instead of sorting the whole organization.
CREATE INDEX organization_members_joined ON organization_members (tenant_id, joined_at, user_id);

-- Policies read the tenant and user once per statement, not once per row: a sub-select of a stable
-- function becomes an init plan, evaluated once, where the bare call is re-evaluated (setting lookup
-- and uuid parse) for every row the policy filters. New policies are written this way from now on
-- (a test checks every policy).
DO $$
DECLARE
    policy record;
    reads_once constant text := '(SELECT app_current_\1())';
BEGIN
    FOR policy IN
        SELECT tablename, policyname, qual, with_check FROM pg_policies
        WHERE schemaname = 'public' AND (qual ~ 'app_current_(tenant|user)\(\)' OR with_check ~ 'app_current_(tenant|user)\(\)')
    LOOP
        IF policy.qual IS NOT NULL THEN
            EXECUTE format('ALTER POLICY %I ON %I USING (%s)', policy.policyname, policy.tablename,
                regexp_replace(policy.qual, 'app_current_(tenant|user)\(\)', reads_once, 'g'));
        END IF;
        IF policy.with_check IS NOT NULL THEN
            EXECUTE format('ALTER POLICY %I ON %I WITH CHECK (%s)', policy.policyname, policy.tablename,
                regexp_replace(policy.with_check, 'app_current_(tenant|user)\(\)', reads_once, 'g'));
        END IF;
    END LOOP;
END
$$;
