"""Dataset builders: bundled corpora and a user's own CSV or JSON Lines file."""
