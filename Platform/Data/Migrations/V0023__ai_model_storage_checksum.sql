-- A model stored by reference carries the SHA-256 of its bytes (lower-case hex): AiInference serves what it fetched
-- only when it is exactly what was registered, so a replaced or truncated blob is never run.
ALTER TABLE ai_models
    ADD COLUMN storage_sha256 text CHECK (storage_sha256 ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT ai_models_reference_checksum CHECK (storage_uri IS NULL OR storage_sha256 IS NOT NULL);
