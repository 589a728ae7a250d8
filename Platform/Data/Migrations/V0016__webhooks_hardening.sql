-- The last failed attempt of an endpoint: a failure streak restarts after a quiet day (Webhooks:FailureStreakResetAfter),
-- so failures days apart do not add up to the 5 days that disable an endpoint.
ALTER TABLE webhook_endpoints ADD COLUMN last_failure_at timestamptz;
