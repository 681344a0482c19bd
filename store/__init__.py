"""What the portal and the indexer share: models, database helpers, outbox, embedding store, profiles."""
