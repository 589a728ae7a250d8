-- The messaging tables churn: every message is inserted, updated (claimed, published) and deleted within moments.
-- With the default thresholds (20% of the table) autovacuum lets dead rows pile up between runs, and every claim and
-- relay round then walks past them in its index. Vacuum these after a fixed number of dead rows instead, unthrottled.
ALTER TABLE outbox_messages SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0,
                                 autovacuum_analyze_scale_factor = 0.05);
ALTER TABLE queue_messages SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0,
                                autovacuum_analyze_scale_factor = 0.05);
ALTER TABLE inbox_messages SET (autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
