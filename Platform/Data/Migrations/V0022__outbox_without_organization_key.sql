-- An outbox row no longer checks its organization on insert. Row-level security already holds its tenant_id to the
-- writing transaction's organization, which the request's authentication resolved; the check share-locked that
-- organization's row once more for every event (a WAL record and, with concurrent writers, a multixact). An
-- organization's deletion still takes its unpublished events with it, through the trigger that takes its queue and
-- inbox rows.
ALTER TABLE outbox_messages DROP CONSTRAINT outbox_messages_tenant_id_fkey;

CREATE OR REPLACE FUNCTION app_forget_organization_messages() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    DELETE FROM outbox_messages WHERE tenant_id = OLD.id;
    DELETE FROM queue_messages WHERE tenant_id = OLD.id;
    DELETE FROM inbox_messages WHERE tenant_id = OLD.id;
    RETURN OLD;
END
$$;
