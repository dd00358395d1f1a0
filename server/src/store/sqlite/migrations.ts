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
  {
    version: 110,
    name: 'remote-rooms',
    sql: `
      CREATE TABLE remote_rooms (
        room_id TEXT PRIMARY KEY REFERENCES rooms(id),
        room_uri TEXT NOT NULL UNIQUE
      ) STRICT;
      CREATE TABLE remote_room_writes (
        ord INTEGER PRIMARY KEY AUTOINCREMENT,
        action_id TEXT NOT NULL UNIQUE,
        room_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        action TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX remote_room_writes_room ON remote_room_writes(room_id, ord);
    `,
  },
  {
    version: 150,
    name: 'files',
    sql: `
      CREATE TABLE blobs (
        id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE files (
        id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        seq INTEGER,
        owner_id TEXT NOT NULL,
        name TEXT NOT NULL,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        blob_id TEXT NOT NULL REFERENCES blobs(id),
        width INTEGER,
        height INTEGER,
        thumbnail_blob_id TEXT REFERENCES blobs(id),
        thumbnail_width INTEGER,
        thumbnail_height INTEGER,
        source_url TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX files_room ON files(room_id, seq);
      CREATE INDEX files_owner ON files(owner_id) WHERE source_url IS NULL;
      CREATE INDEX files_blob ON files(blob_id);
      CREATE INDEX files_thumbnail_blob ON files(thumbnail_blob_id) WHERE thumbnail_blob_id IS NOT NULL;
      CREATE INDEX files_pending ON files(created_at) WHERE seq IS NULL;
      CREATE TABLE file_secrets (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 151,
    name: 'files: copies of remote rooms belong to their local mirror room',
    sql: `
      -- Copies were kept under the room's URL on its host; they are files of the local room that
      -- mirrors it now, served by the ordinary files routes to that room's participants.
      UPDATE files SET room_id = (SELECT room_id FROM remote_rooms WHERE room_uri = files.room_id)
        WHERE room_id IN (SELECT room_uri FROM remote_rooms);
    `,
  },
  {
    version: 130,
    name: 'people: directory visibility, avatars, statuses, session user agents',
    sql: `
      ALTER TABLE users ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE users ADD COLUMN avatar_etag TEXT;
      CREATE INDEX users_directory ON users(username) WHERE deleted_at IS NULL AND disabled = 0 AND hidden = 0;
      ALTER TABLE sessions ADD COLUMN user_agent TEXT;
      CREATE TABLE avatars (
        user_id TEXT PRIMARY KEY REFERENCES users(id),
        media_type TEXT NOT NULL,
        bytes BLOB NOT NULL,
        etag TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE user_statuses (
        user_id TEXT PRIMARY KEY REFERENCES users(id),
        availability TEXT NOT NULL CHECK (availability IN ('online', 'away', 'dnd')),
        message TEXT,
        expires_at INTEGER,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 160,
    name: 'meetings',
    sql: `
      CREATE TABLE meetings (
        id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        start_local TEXT NOT NULL,
        end_local TEXT NOT NULL,
        time_zone TEXT NOT NULL,
        recurrence TEXT,
        reminder_minutes INTEGER NOT NULL,
        last_ends_at INTEGER NOT NULL,
        sequence INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        cancelled_at INTEGER,
        origin TEXT UNIQUE,
        join_url TEXT
      ) STRICT;
      CREATE INDEX meetings_room ON meetings(room_id, starts_at);
      CREATE INDEX meetings_active ON meetings(last_ends_at) WHERE cancelled_at IS NULL;
      CREATE TABLE meeting_exceptions (
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        occurrence INTEGER NOT NULL,
        cancelled INTEGER NOT NULL,
        starts_at INTEGER,
        ends_at INTEGER,
        PRIMARY KEY (meeting_id, occurrence)
      ) STRICT;
      CREATE TABLE meeting_rsvps (
        meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        occurrence INTEGER NOT NULL,
        actor_id TEXT NOT NULL,
        name TEXT NOT NULL,
        response TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (meeting_id, occurrence, actor_id)
      ) STRICT;
      CREATE INDEX meeting_rsvps_actor ON meeting_rsvps(actor_id);
      CREATE TABLE meeting_notices (
        meeting_id TEXT NOT NULL,
        occurrence INTEGER NOT NULL,
        kind TEXT NOT NULL,
        PRIMARY KEY (meeting_id, occurrence, kind)
      ) STRICT;
      CREATE TABLE calendar_feeds (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX calendar_feeds_user ON calendar_feeds(user_id);
    `,
  },
  {
    version: 140,
    name: 'expiry-that-holds',
    sql: `
      -- A removed message takes its notifications along (expiry, room deletion alike).
      CREATE INDEX notifications_message ON notifications(room_id, seq);
      CREATE TRIGGER messages_notifications_delete AFTER DELETE ON messages BEGIN
        DELETE FROM notifications WHERE room_id = old.room_id AND seq = old.seq;
      END;
    `,
  },
  {
    version: 141,
    name: 'web-push',
    sql: `
      -- One row per browser subscription; the endpoint is the browser's, so it is unique.
      CREATE TABLE push_subscriptions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        endpoint TEXT NOT NULL UNIQUE,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        owner TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id, created_at);
      -- The instance's VAPID key pair: one row, made once, shared by every node.
      CREATE TABLE push_vapid_keys (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        public_key TEXT NOT NULL,
        private_key TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 190,
    name: 'instance-actor-keys',
    sql: `
      -- The instance's own Application actor (/actor): its key pairs, shaped like actor_keys; the
      -- owner is always 'instance' (no user or room row to reference).
      CREATE TABLE federation_instance_keys (
        owner_id TEXT NOT NULL,
        algorithm TEXT NOT NULL CHECK (algorithm IN ('rsa', 'ed25519')),
        public_jwk TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (owner_id, algorithm)
      ) STRICT;
    `,
  },
  {
    version: 111,
    name: 'forwarded-action-ids',
    sql: `
      -- The host keeps the forwarded action an event applied in the event's own row: applying and
      -- remembering are one write, so a replay after a crash between them is still recognised.
      ALTER TABLE room_events ADD COLUMN action_id TEXT;
      CREATE UNIQUE INDEX room_events_action ON room_events(room_id, action_id) WHERE action_id IS NOT NULL;
    `,
  },
  {
    version: 200,
    name: 'recording-actors',
    sql: `
      -- Whose stream a recording is, as named in the call: a call participant's id means nothing
      -- once the call is over. Rows kept before this have none (all three NULL).
      ALTER TABLE recordings ADD COLUMN actor_type TEXT CHECK (actor_type IN ('user', 'guest'));
      ALTER TABLE recordings ADD COLUMN actor_id TEXT;
      ALTER TABLE recordings ADD COLUMN actor_name TEXT;
    `,
  },
]
