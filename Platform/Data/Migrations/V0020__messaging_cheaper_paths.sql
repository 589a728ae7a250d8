-- Two changes that take dead rows out of the messaging hot paths.
--
-- 1. A published event now leaves the outbox in the statement that queues it, instead of staying behind marked
--    "published" until the retention clean-up: an UPDATE per event wrote a new row version and three index entries, and
--    left dead entries in the index the relay scans. What is still in the outbox is exactly what is unpublished.
DELETE FROM outbox_messages WHERE published_at IS NOT NULL;
DROP INDEX outbox_messages_unpublished;
DROP INDEX outbox_messages_published;
ALTER TABLE outbox_messages DROP COLUMN published_at;

-- 2. Claims find the organizations with queued messages by probing for each one's newest message. In
--    queue_messages_ready each organization's range starts with its oldest messages, which are the handled ones whose
--    rows are dead until vacuum, so every probe walked them all (thousands of heap visits per claim under load); its
--    newest messages are still queued, so a probe here stops at the first entry.
CREATE INDEX queue_messages_newest ON queue_messages (queue, tenant_id, id DESC);

-- 3. Queue and inbox rows no longer check their organization on insert: every tenant id in them was copied from an
--    outbox row or a dead letter, which did check it. The check share-locked the organization's row, a WAL record and,
--    with consumers and the relay inserting for the same organization at once, a multixact, for every message twice.
--    An organization's deletion still takes its queued messages and inbox entries with it, through this trigger.
ALTER TABLE queue_messages DROP CONSTRAINT queue_messages_tenant_id_fkey;
ALTER TABLE inbox_messages DROP CONSTRAINT inbox_messages_tenant_id_fkey;

-- As the tables' owner (row-level security does not apply to it), whoever deletes the organization: its rows are all to go.
CREATE FUNCTION app_forget_organization_messages() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    DELETE FROM queue_messages WHERE tenant_id = OLD.id;
    DELETE FROM inbox_messages WHERE tenant_id = OLD.id;
    RETURN OLD;
END
$$;

CREATE TRIGGER organizations_forget_messages AFTER DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION app_forget_organization_messages();
