-- AI model serving: the model repository AiInference loads from, and its prediction log.
--
-- A model belongs to an organization (tenant_id) or to the platform (NULL), which every organization
-- may read and use. AiInference loads every organization's active models in the system scope.

CREATE TABLE ai_models (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id            uuid        REFERENCES organizations (id) ON DELETE CASCADE,
    name                 text        NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    version              integer     NOT NULL CHECK (version > 0),
    -- What produced the graph (logistic, text-classifier, tree-ensemble, onnx...): informative only.
    model_type           text        NOT NULL CHECK (length(model_type) BETWEEN 1 AND 64),
    -- The model itself, or a reference to blob storage for large models (exactly one).
    onnx                 bytea,
    storage_uri          text,
    input_schema         jsonb       NOT NULL DEFAULT '[]',
    output_schema        jsonb       NOT NULL DEFAULT '[]',
    metrics              jsonb       NOT NULL DEFAULT '{}',
    -- Dynamic batching: 1 turns it off; the delay is how long a request may wait for others.
    max_batch_size       integer     NOT NULL DEFAULT 64 CHECK (max_batch_size BETWEEN 1 AND 4096),
    max_queue_delay_us   integer     NOT NULL DEFAULT 2000 CHECK (max_queue_delay_us BETWEEN 0 AND 1000000),
    created_by           uuid,
    created_at           timestamptz NOT NULL DEFAULT now(),
    is_active            boolean     NOT NULL DEFAULT false,
    activated_at         timestamptz,
    CHECK ((onnx IS NULL) <> (storage_uri IS NULL))
);
-- One row per (scope, name, version), and at most one active version per (scope, name).
CREATE UNIQUE INDEX ai_models_version ON ai_models (tenant_id, name, version) NULLS NOT DISTINCT;
CREATE UNIQUE INDEX ai_models_active ON ai_models (tenant_id, name) NULLS NOT DISTINCT WHERE is_active;

-- AiInference listens on this channel and reloads a model when one of its versions is activated.
CREATE FUNCTION ai_models_notify() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.is_active THEN
        PERFORM pg_notify('ai_models_activated', NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER ai_models_activated AFTER INSERT OR UPDATE OF is_active ON ai_models
    FOR EACH ROW EXECUTE FUNCTION ai_models_notify();

CREATE TABLE ai_predictions (
    id             bigint      GENERATED ALWAYS AS IDENTITY,
    tenant_id      uuid        REFERENCES organizations (id) ON DELETE CASCADE,
    model_id       uuid        NOT NULL,
    model_name     text        NOT NULL,
    model_version  integer     NOT NULL,
    request_id     text,
    -- Shapes and types of the inputs (and the first few values), never whole payloads.
    input_summary  jsonb       NOT NULL,
    output         jsonb       NOT NULL,
    confidence     real,
    latency_ms     real        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id)
);
CREATE INDEX ai_predictions_tenant ON ai_predictions (tenant_id, model_name, created_at DESC);

ALTER TABLE ai_models ENABLE ROW LEVEL SECURITY;
-- Platform models (tenant_id NULL) are readable by every organization; only the system scope writes them.
CREATE POLICY ai_models_read ON ai_models FOR SELECT
    USING ((SELECT app_in_system_scope()) OR tenant_id IS NULL OR tenant_id = (SELECT app_current_tenant()));
CREATE POLICY ai_models_insert ON ai_models FOR INSERT
    WITH CHECK ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()));
CREATE POLICY ai_models_update ON ai_models FOR UPDATE
    USING ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()))
    WITH CHECK ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()));
CREATE POLICY ai_models_delete ON ai_models FOR DELETE
    USING ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()));

ALTER TABLE ai_predictions ENABLE ROW LEVEL SECURITY;
CREATE POLICY ai_predictions_isolation ON ai_predictions
    USING ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()))
    WITH CHECK ((SELECT app_in_system_scope()) OR tenant_id = (SELECT app_current_tenant()));
