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
    version: 2,
    name: 'rooms and chat',
    sql: `
      CREATE TABLE rooms (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('one-to-one', 'group', 'public')),
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        listable TEXT NOT NULL CHECK (listable IN ('none', 'users', 'everyone')),
        read_only INTEGER NOT NULL DEFAULT 0,
        lobby INTEGER NOT NULL DEFAULT 0,
        password_hash TEXT,
        message_expiry_seconds INTEGER,
        last_seq INTEGER NOT NULL DEFAULT 0,
        pair_key TEXT UNIQUE,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      ) STRICT;
      CREATE TABLE participants (
        room_id TEXT NOT NULL REFERENCES rooms(id),
        actor_type TEXT NOT NULL CHECK (actor_type IN ('user', 'guest')),
        actor_id TEXT NOT NULL,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('owner', 'moderator', 'member', 'guest')),
        state TEXT NOT NULL CHECK (state IN ('active', 'lobby', 'banned')),
        permissions TEXT,
        last_read_seq INTEGER NOT NULL DEFAULT 0,
        favourite INTEGER NOT NULL DEFAULT 0,
        archived INTEGER NOT NULL DEFAULT 0,
        notification_level TEXT NOT NULL DEFAULT 'all',
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, actor_id)
      ) STRICT;
      CREATE INDEX participants_actor ON participants(actor_id);
      CREATE TABLE messages (
        room_id TEXT NOT NULL REFERENCES rooms(id),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('text', 'system', 'poll')),
        actor_type TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        body TEXT NOT NULL,
        data TEXT,
        reply_to INTEGER,
        created_at INTEGER NOT NULL,
        edited_at INTEGER,
        deleted_at INTEGER,
        expires_at INTEGER,
        PRIMARY KEY (room_id, seq)
      ) STRICT;
      CREATE INDEX messages_expiry ON messages(expires_at) WHERE expires_at IS NOT NULL;
      -- Full-text index over text messages (external content: the text lives once, in messages).
      CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.kind = 'text' BEGIN
        INSERT INTO messages_fts(rowid, body) VALUES (new.rowid, new.body);
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.kind = 'text' BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages WHEN old.kind = 'text' BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
        INSERT INTO messages_fts(rowid, body) VALUES (new.rowid, new.body);
      END;
      CREATE TABLE reactions (
        room_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        emoji TEXT NOT NULL,
        actor_type TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, seq, emoji, actor_id),
        FOREIGN KEY (room_id, seq) REFERENCES messages(room_id, seq) ON DELETE CASCADE
      ) STRICT;
      CREATE TABLE room_events (
        room_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (room_id, seq)
      ) STRICT;
      CREATE INDEX room_events_created ON room_events(created_at);
      CREATE INDEX room_events_expiry ON room_events(expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE polls (
        id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL REFERENCES rooms(id),
        question TEXT NOT NULL,
        options TEXT NOT NULL,
        multiple INTEGER NOT NULL,
        anonymous INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        closed_at INTEGER
      ) STRICT;
      CREATE TABLE poll_votes (
        poll_id TEXT NOT NULL REFERENCES polls(id),
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        options TEXT NOT NULL,
        PRIMARY KEY (poll_id, actor_id)
      ) STRICT;
      CREATE TABLE notifications (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        read_at INTEGER
      ) STRICT;
      CREATE INDEX notifications_user ON notifications(user_id, created_at);
      CREATE TABLE guest_sessions (
        id_hash TEXT PRIMARY KEY,
        guest_id TEXT NOT NULL,
        room_id TEXT NOT NULL REFERENCES rooms(id),
        display_name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX guest_sessions_guest ON guest_sessions(guest_id);
    `,
  },
  {
    version: 3,
    name: 'rooms.e2ee: end-to-end encrypted calls, set at creation (recording is refused there)',
    sql: `ALTER TABLE rooms ADD COLUMN e2ee INTEGER NOT NULL DEFAULT 0;`,
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
  {
    version: 60,
    name: 'federation-room-actors',
    // Rooms as Group actors. The key and follower tables have the shape of actor_keys and
    // federation_followers (one repository class serves both), their owner being a room.
    sql: `
      CREATE TABLE federation_room_keys (
        room_id TEXT NOT NULL REFERENCES rooms(id),
        algorithm TEXT NOT NULL CHECK (algorithm IN ('rsa', 'ed25519')),
        public_jwk TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, algorithm)
      ) STRICT;
      CREATE TABLE federation_room_followers (
        room_id TEXT NOT NULL REFERENCES rooms(id),
        actor_id TEXT NOT NULL,
        inbox TEXT NOT NULL,
        shared_inbox TEXT,
        follow_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, actor_id)
      ) STRICT;
      CREATE INDEX federation_room_followers_order ON federation_room_followers(room_id, created_at, actor_id);
      CREATE INDEX federation_room_followers_follow ON federation_room_followers(actor_id, follow_id);
      CREATE TABLE federation_room_posts (
        room_id TEXT NOT NULL REFERENCES rooms(id),
        post_id TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, post_id)
      ) STRICT;
      CREATE INDEX federation_room_posts_order ON federation_room_posts(room_id, created_at DESC, post_id);
    `,
  },
  {
    version: 61,
    name: 'federation-room-membership',
    sql: `
      CREATE TABLE federation_room_members (
        room_id TEXT NOT NULL REFERENCES rooms(id),
        actor_id TEXT NOT NULL,
        inbox TEXT NOT NULL,
        shared_inbox TEXT,
        follow_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, actor_id)
      ) STRICT;
      CREATE INDEX federation_room_members_order ON federation_room_members(room_id, created_at, actor_id);
      CREATE INDEX federation_room_members_follow ON federation_room_members(actor_id, follow_id);
      CREATE TABLE federation_room_invites (
        invite_id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL REFERENCES rooms(id),
        inviter_id TEXT NOT NULL,
        invitee_id TEXT NOT NULL,
        invitee_name TEXT NOT NULL,
        invitee_inbox TEXT NOT NULL,
        invitee_shared_inbox TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE federation_room_invitations (
        invite_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        room_id TEXT NOT NULL,
        room_name TEXT NOT NULL,
        room_inbox TEXT NOT NULL,
        inviter_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX federation_room_invitations_user ON federation_room_invitations(user_id, state, created_at);
    `,
  },
  {
    version: 62,
    name: 'federation-room-replicas',
    sql: `
      CREATE TABLE federation_replica_events (
        room_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (room_id, seq)
      ) STRICT;
      CREATE TABLE federation_replica_messages (
        room_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        author_id TEXT NOT NULL,
        author_name TEXT NOT NULL,
        body TEXT NOT NULL,
        reply_to INTEGER,
        created_at INTEGER NOT NULL,
        edited_at INTEGER,
        deleted_at INTEGER,
        reactions TEXT NOT NULL,
        PRIMARY KEY (room_id, seq)
      ) STRICT;
      CREATE INDEX federation_room_invitations_room ON federation_room_invitations(room_id, state);
    `,
  },
  {
    version: 63,
    name: 'federation-room-fanout-cursors',
    sql: `
      CREATE TABLE federation_room_fanout (
        room_id TEXT PRIMARY KEY REFERENCES rooms(id),
        seq INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 70,
    name: 'call-recordings',
    sql: `
      CREATE TABLE recordings (
        id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL REFERENCES rooms(id),
        call_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('audio', 'video')),
        source TEXT NOT NULL,
        participant_id TEXT NOT NULL,
        mime_type TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        path TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX recordings_room ON recordings(room_id, created_at);
    `,
  },
  {
    version: 65,
    name: 'federation-room-replica-heads',
    sql: `
      CREATE TABLE federation_replica_heads (
        room_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX federation_room_invites_room ON federation_room_invites(room_id, state);
    `,
  },
  {
    version: 64,
    name: 'direct-conversations',
    sql: `
      CREATE TABLE direct_conversations (
        room_id TEXT PRIMARY KEY REFERENCES rooms(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        actor_handle TEXT,
        actor_url TEXT,
        avatar_url TEXT,
        inbox TEXT NOT NULL,
        shared_inbox TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE direct_notes (
        note_id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL REFERENCES rooms(id),
        seq INTEGER,
        author_id TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX direct_notes_message ON direct_notes(room_id, seq);
    `,
  },
  {
    version: 66,
    name: 'direct-conversation-cursors',
    sql: `
      ALTER TABLE direct_conversations ADD COLUMN sent_seq INTEGER NOT NULL DEFAULT 0;
    `,
  },
]
