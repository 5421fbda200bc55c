import GRDB
import MailStore

/// Versioned schema of the embedded store (GRDB migrations). Append new migrations; never edit a
/// released one: an upgrade must open every older `data_dir`.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE accounts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    address TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    password_hash TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE mailboxes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    special_use TEXT,
                    uid_validity INTEGER NOT NULL,
                    uid_next INTEGER NOT NULL DEFAULT 1,
                    highest_modseq INTEGER NOT NULL DEFAULT 1,
                    subscribed INTEGER NOT NULL DEFAULT 1,
                    UNIQUE(account_id, name)
                );
                CREATE TABLE messages (
                    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                    uid INTEGER NOT NULL,
                    file_id TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    internal_date INTEGER NOT NULL,
                    flags TEXT NOT NULL DEFAULT '',
                    modseq INTEGER NOT NULL,
                    PRIMARY KEY(mailbox_id, uid)
                ) WITHOUT ROWID;
                CREATE INDEX messages_file ON messages(file_id);
                """)
        }
        migrator.registerMigration("v2-aliases-queue") { db in
            try db.execute(sql: """
                CREATE TABLE aliases (
                    source TEXT NOT NULL COLLATE NOCASE,
                    target TEXT NOT NULL COLLATE NOCASE,
                    PRIMARY KEY(source, target)
                );
                CREATE TABLE queue (
                    id TEXT PRIMARY KEY,
                    file_id TEXT NOT NULL,
                    arrival INTEGER NOT NULL,
                    size INTEGER NOT NULL,
                    sender TEXT NOT NULL,
                    authenticated_user TEXT,
                    next_attempt INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT
                );
                CREATE INDEX queue_file ON queue(file_id);
                CREATE TABLE queue_recipients (
                    queue_id TEXT NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
                    recipient TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending',
                    PRIMARY KEY(queue_id, recipient)
                );
                """)
        }
        migrator.registerMigration("v3-queue-delivery") { db in
            try db.execute(sql: """
                ALTER TABLE queue ADD COLUMN delay_warned INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX queue_due ON queue(next_attempt);
                """)
        }
        migrator.registerMigration("v4-queue-hold") { db in
            try db.execute(sql: "ALTER TABLE queue ADD COLUMN held INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v5-dsn") { db in
            try db.execute(sql: """
                ALTER TABLE queue ADD COLUMN dsn_ret TEXT;
                ALTER TABLE queue ADD COLUMN dsn_envid TEXT;
                ALTER TABLE queue_recipients ADD COLUMN notify TEXT;
                ALTER TABLE queue_recipients ADD COLUMN orcpt TEXT;
                """)
        }
        migrator.registerMigration("v6-queue-lease") { db in
            try db.execute(sql: "ALTER TABLE queue ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v7-condstore-quota") { db in
            // RFC 7162 §3.2.5/§3.2.6 (QRESYNC): expunged UIDs with the MODSEQ of their expunge, so
            // VANISHED (EARLIER) can be answered exactly. Existing messages keep the modseq they
            // already carry (v1 assigned one on insert); mailboxes' HIGHESTMODSEQ is raised to at
            // least their largest message modseq, so a data_dir from any earlier version is consistent.
            // RFC 9208: a per-account storage limit override (NULL = the configured default), and
            // octets stored per mailbox, kept by triggers on every insert and delete of a message
            // row whatever the code path, so a quota check costs one row per mailbox, not per message.
            try db.execute(sql: """
                CREATE TABLE expunged (
                    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                    uid INTEGER NOT NULL,
                    modseq INTEGER NOT NULL,
                    PRIMARY KEY(mailbox_id, uid)
                ) WITHOUT ROWID;
                CREATE INDEX expunged_modseq ON expunged(mailbox_id, modseq);
                CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);
                ALTER TABLE mailboxes ADD COLUMN storage_used INTEGER NOT NULL DEFAULT 0;
                UPDATE mailboxes SET storage_used = COALESCE((SELECT SUM(size) FROM messages WHERE messages.mailbox_id = mailboxes.id), 0);
                CREATE TRIGGER messages_storage_insert AFTER INSERT ON messages BEGIN
                    UPDATE mailboxes SET storage_used = storage_used + NEW.size WHERE id = NEW.mailbox_id;
                END;
                CREATE TRIGGER messages_storage_delete AFTER DELETE ON messages BEGIN
                    UPDATE mailboxes SET storage_used = storage_used - OLD.size WHERE id = OLD.mailbox_id;
                END;
                UPDATE mailboxes SET highest_modseq = MAX(highest_modseq,
                    COALESCE((SELECT MAX(modseq) FROM messages WHERE messages.mailbox_id = mailboxes.id), 1));
                ALTER TABLE accounts ADD COLUMN quota_storage INTEGER;
                """)
        }
        migrator.registerMigration("v8-queue-lease-owner") { db in
            // Owned, fenced leases (QueueStore): who holds the lease and a token that grows with each
            // new lease, so a worker whose lease expired and was taken over cannot record outcomes.
            try db.execute(sql: """
                ALTER TABLE queue ADD COLUMN lease_owner TEXT;
                ALTER TABLE queue ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
                """)
        }
        migrator.registerMigration("v9-uidvalidity-high-water") { db in
            // The largest UIDVALIDITY ever given out, so that a mailbox created, renamed or re-created
            // after a delete never gets one an earlier mailbox of that name had (RFC 9051 §2.3.1.1);
            // MAX over the existing mailboxes forgets deleted ones. Values adopted by imports are
            // not counted (a source's UIDVALIDITY may be near 2^32).
            try db.execute(sql: """
                CREATE TABLE uid_validity_state (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    highest INTEGER NOT NULL
                );
                INSERT INTO uid_validity_state(id, highest)
                    VALUES (1, MIN(COALESCE((SELECT MAX(uid_validity) FROM mailboxes), 0), 4294967040));
                """)
        }
        migrator.registerMigration("v10-imap-subscriptions-recent-expunge-floor") { db in
            // Subscriptions are names, independent of the mailboxes (RFC 9051 §6.3.7: a subscription
            // outlives DELETE and may name a mailbox that does not exist); `mailboxes.subscribed`
            // stays as a cache kept equal to "a subscription of this name exists".
            // `recent_uid`: the first UID no session has been given as \Recent yet (RFC 3501
            // §2.3.2); every message of an existing data_dir counts as seen already.
            // `expunge_floor`: expunge records with a MODSEQ at or below it were pruned, so a
            // `changes`/`vanished` question from before it is answered from the present UIDs
            // (RFC 7162 §3.2.5.2 allows the larger VANISHED set).
            try db.execute(sql: """
                CREATE TABLE subscriptions (
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    PRIMARY KEY(account_id, name)
                ) WITHOUT ROWID;
                INSERT INTO subscriptions(account_id, name) SELECT account_id, name FROM mailboxes WHERE subscribed = 1;
                ALTER TABLE mailboxes ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE mailboxes ADD COLUMN expunge_floor INTEGER NOT NULL DEFAULT 0;
                UPDATE mailboxes SET recent_uid = uid_next;
                """)
        }
        migrator.registerMigration("v11-mailbox-acl") { db in
            // RFC 4314 access control lists: identifier (an account address, `anyone` or
            // `authenticated`, lowercased) → rights letters, per mailbox. Keyed by mailbox id, so
            // RENAME keeps the entries and deleting the mailbox (or its account) removes them.
            try db.execute(sql: """
                CREATE TABLE mailbox_acl (
                    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                    identifier TEXT NOT NULL,
                    rights TEXT NOT NULL,
                    PRIMARY KEY(mailbox_id, identifier)
                ) WITHOUT ROWID;
                CREATE INDEX mailbox_acl_identifier ON mailbox_acl(identifier);
                """)
        }
        migrator.registerMigration("v12-save-date") { db in
            // RFC 8514 SAVEDATE: when a message row was created in its mailbox (NULL for rows from
            // before this version and for imports: unknown).
            try db.execute(sql: "ALTER TABLE messages ADD COLUMN save_date INTEGER")
        }
        migrator.registerMigration("v13-metadata") { db in
            // RFC 5464 METADATA entries by scope (`s`, `a:<account>`, `m:<mailbox>`, MetadataScope.key);
            // deleting a mailbox or account deletes its rows (SQLiteMailStore does it in the same transaction).
            try db.execute(sql: """
                CREATE TABLE metadata (
                    scope TEXT NOT NULL,
                    name TEXT NOT NULL,
                    value BLOB NOT NULL,
                    PRIMARY KEY(scope, name)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v14-urlauth-keys") { db in
            // RFC 4467 §7 URLAUTH: one mailbox access key per mailbox (mechanism INTERNAL signs URLs
            // with it). RESETKEY deletes rows; a mailbox's key goes with the mailbox.
            try db.execute(sql: """
                CREATE TABLE urlauth_keys (
                    mailbox_id INTEGER PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
                    key BLOB NOT NULL
                );
                """)
        }
        return migrator
    }
}
