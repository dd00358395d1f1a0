/**
 * Versioned SQLite migrations, applied in order at start (and by `parley migrate`). Append only:
 * a released migration is never edited, a change is a new version.
 */
export type Migration = { version: number; name: string; sql: string }

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
        password_hash TEXT,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      ) STRICT;
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sessions_user ON sessions(user_id);
      CREATE INDEX sessions_expiry ON sessions(expires_at);
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        last_used_at INTEGER,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX api_tokens_user ON api_tokens(user_id);
      CREATE TABLE invites (
        code_hash TEXT PRIMARY KEY,
        created_by TEXT NOT NULL REFERENCES users(id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_by TEXT,
        used_at INTEGER
      ) STRICT;
    `,
  },
  {
    // Numbered from 50 so that features built in parallel (rooms: 2, 3, …) never collide with it.
    version: 50,
    name: 'federation',
    sql: `
      CREATE TABLE actor_keys (
        user_id TEXT NOT NULL REFERENCES users(id),
        algorithm TEXT NOT NULL CHECK (algorithm IN ('rsa', 'ed25519')),
        public_jwk TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, algorithm)
      ) STRICT;
      CREATE TABLE federation_followers (
        user_id TEXT NOT NULL REFERENCES users(id),
        actor_id TEXT NOT NULL,
        inbox TEXT NOT NULL,
        shared_inbox TEXT,
        follow_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, actor_id)
      ) STRICT;
      CREATE INDEX federation_followers_order ON federation_followers(user_id, created_at, actor_id);
      CREATE INDEX federation_followers_follow ON federation_followers(actor_id, follow_id);
      CREATE TABLE federation_following (
        user_id TEXT NOT NULL REFERENCES users(id),
        actor_id TEXT NOT NULL,
        follow_id TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
        inbox TEXT NOT NULL,
        shared_inbox TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, actor_id)
      ) STRICT;
      CREATE INDEX federation_following_order ON federation_following(user_id, state, created_at, actor_id);
      CREATE TABLE federation_inbound_messages (
        note_id TEXT PRIMARY KEY,
        activity_id TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        recipient_user_ids TEXT NOT NULL,
        content TEXT NOT NULL,
        in_reply_to TEXT,
        published INTEGER,
        received_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX federation_inbound_messages_received ON federation_inbound_messages(received_at);
    `,
  },
  {
    version: 51,
    name: 'federation-blocks',
    sql: `
      CREATE TABLE federation_blocks (
        user_id TEXT NOT NULL REFERENCES users(id),
        actor_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, actor_id)
      ) STRICT;
    `,
  },
  {
    version: 52,
    name: 'federation-reports',
    sql: `
      CREATE TABLE federation_reports (
        activity_id TEXT PRIMARY KEY,
        reporter_id TEXT NOT NULL,
        user_ids TEXT NOT NULL,
        object_ids TEXT NOT NULL,
        content TEXT NOT NULL,
        received_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX federation_reports_received ON federation_reports(received_at);
    `,
  },
  {
    version: 53,
    name: 'federation-domain-blocks',
    sql: `
      CREATE TABLE federation_domain_blocks (
        domain TEXT PRIMARY KEY,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
]
