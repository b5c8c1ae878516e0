"""The local SQLite store of the workstation: cached data, drafts, the outbox and sync cursors.
No Qt and no network; filled in by the offline-cache issue."""
