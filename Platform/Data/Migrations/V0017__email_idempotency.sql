-- An email queued with an idempotency key (a workflow step that may run more than once) is queued once per
-- organization: a repeat finds the email already queued and queues nothing new.
ALTER TABLE email_messages
    ADD COLUMN idempotency_key text CHECK (char_length(idempotency_key) BETWEEN 1 AND 200);

-- NULLS NOT DISTINCT: platform emails (no organization) are keyed together too.
CREATE UNIQUE INDEX email_messages_idempotency ON email_messages (tenant_id, idempotency_key) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;
