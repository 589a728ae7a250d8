-- Claims now find each organization with queued messages by reading queue_messages_ready backwards, which lands on the
-- organization's newest (queued) message as queue_messages_newest did. One index fewer to write and vacuum per message.
DROP INDEX queue_messages_newest;
