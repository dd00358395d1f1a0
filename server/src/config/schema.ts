/**
 * The one configuration schema. Every option has a default (so Parley starts with nothing set),
 * an environment variable (`PARLEY_` + the option in SCREAMING_SNAKE_CASE) and a description that
 * `.env.example` mirrors (a test keeps them in step).
 */
import Type, { type Static } from 'typebox'
import { RegistrationMode } from '@parley/protocol'

const LogLevel = Type.Union([
  Type.Literal('fatal'),
  Type.Literal('error'),
  Type.Literal('warn'),
  Type.Literal('info'),
  Type.Literal('debug'),
  Type.Literal('trace'),
  Type.Literal('silent'),
])

export const ConfigSchema = Type.Object(
  {
    publicOrigin: Type.String({
      default: 'http://localhost:8080',
      pattern: '^https?://[^/?#]+$',
      description:
        'The origin people and other instances reach this instance at, e.g. https://talk.example.org (no path). Cookies are Secure when it is https. Unset, it follows host and port (http://localhost:PORT for loopback and wildcard addresses).',
    }),
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Address the HTTP server listens on.' }),
    port: Type.Integer({
      default: 8080,
      minimum: 0,
      maximum: 65535,
      description: 'Port the HTTP server listens on (0: any free port).',
    }),
    dataDir: Type.String({
      default: './data',
      minLength: 1,
      description: 'Folder for the SQLite file and local blobs.',
    }),
    webClientDir: Type.String({
      default: './web/dist',
      description:
        'Folder of the built web client, served at / (npm start builds it there when its sources changed). Empty: no web client.',
    }),
    store: Type.Union([Type.Literal('sqlite'), Type.Literal('mongodb')], {
      default: 'sqlite',
      description: 'sqlite: one file in dataDir (embedded default). mongodb: the server at mongodbUrl.',
    }),
    mongodbUrl: Type.String({ default: '', description: 'MongoDB connection string; required when store is mongodb.' }),
    logLevel: Type.Union(LogLevel.anyOf, {
      default: 'info',
      description: 'fatal, error, warn, info, debug, trace or silent.',
    }),
    trustedProxies: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'Addresses or CIDR ranges of reverse proxies whose X-Forwarded-* headers are believed (comma-separated in the environment). Empty: none are.',
    }),
    bodyLimit: Type.Integer({
      default: 1048576,
      minimum: 1024,
      description: 'Largest accepted request body in bytes; larger ones get 413 before parsing.',
    }),
    registration: Type.Union(RegistrationMode.anyOf, {
      default: 'invite',
      description:
        'open: anyone may register. invite: an invite code from an admin is needed. closed: only admins create accounts.',
    }),
    sessionTtlHours: Type.Integer({
      default: 720,
      minimum: 1,
      description: 'How long a browser session lives after login, in hours.',
    }),
    loginAttemptsPerAccount: Type.Integer({
      default: 10,
      minimum: 1,
      description: 'Failed logins allowed per account per loginWindowMinutes.',
    }),
    loginAttemptsPerAddress: Type.Integer({
      default: 50,
      minimum: 1,
      description: 'Failed logins allowed per client address per loginWindowMinutes.',
    }),
    loginWindowMinutes: Type.Integer({
      default: 15,
      minimum: 1,
      description: 'Window for the login attempt limits, in minutes.',
    }),
    redisUrl: Type.String({
      default: '',
      description:
        "Redis URL (redis://host:6379): the event bus between server nodes and, with federationQueue redis, Fedify's queue and cache. Empty: in-process bus (one node).",
    }),
    nodeId: Type.String({
      default: '',
      pattern: '^[A-Za-z0-9._-]{0,64}$',
      description:
        "This server node's id among the nodes sharing redisUrl (letters, digits, . _ -). Empty: a random id at every start (a restarted node is a new node).",
    }),
    callLeaseSeconds: Type.Integer({
      default: 15,
      minimum: 1,
      maximum: 300,
      description:
        'With several nodes (redisUrl set), the node running a call holds a lease on it for this long, renewed every third of it. If that node dies, its participants on other nodes are told the call ended, and a new call can start, within this time.',
    }),
    chatPostsPerSecond: Type.Integer({
      default: 10,
      minimum: 1,
      description:
        'Messages and polls one person (or guest) may post per second, in bursts of three times that; more get rate-limited.',
    }),
    guestSessionHours: Type.Integer({
      default: 24,
      minimum: 1,
      description: 'How long a guest session (public room link) lives, in hours.',
    }),
    eventRetentionHours: Type.Integer({
      default: 48,
      minimum: 1,
      description: 'How long room events are kept for realtime resume; older positions get a resync.',
    }),
    realtimePingSeconds: Type.Integer({
      default: 30,
      minimum: 1,
      description: 'Realtime keepalive: a WebSocket ping this often; two missed answers close the session.',
    }),
    realtimeSendBufferKib: Type.Integer({
      default: 1024,
      minimum: 16,
      description: 'A realtime client with more than this many KiB unsent is too slow and is disconnected.',
    }),
    realtimeMessagesPerSecond: Type.Integer({
      default: 20,
      minimum: 1,
      description: 'Frames a realtime client may send per second (bursts of twice that).',
    }),
    federationQueue: Type.Union([Type.Literal('sqlite'), Type.Literal('redis')], {
      default: 'sqlite',
      description:
        'Where Fedify keeps its queue (deliveries, inbound processing) and cache. sqlite: federation.sqlite in dataDir (embedded). redis: the server at redisUrl, shared by every node.',
    }),
    federationSignatureWindowSeconds: Type.Integer({
      default: 3600,
      minimum: 30,
      maximum: 43200,
      description:
        "Inbound HTTP signatures whose Date (or created time) is further than this from now, in either direction, are refused (401 signature-expired). The default, one hour, is the clock skew Mastodon allows (and Fedify's default). Replayed signed requests are refused within twice this window, which covers every Date accepted.",
    }),
    federationWorkers: Type.Integer({
      default: 0,
      minimum: 0,
      maximum: 64,
      description:
        'Threads that may process the federation queue (inbound activities, deliveries), the main one included: 0 (default) means one per CPU core; 1 runs everything on the main thread. The others start only when a backlog builds and stop after a quiet minute, so an idle instance runs on one thread. Without redisUrl, the threads share the embedded bus between them.',
    }),
    federationInboxHandOver: Type.Boolean({
      default: true,
      description:
        "Inbox requests are checked once: what Parley's signature gate verified (the parsed activity and the key) is handed to Fedify, which neither verifies nor parses it again. false: Fedify checks every request again (slower; the security tests run both ways).",
    }),
    federationCircuitRecoverySeconds: Type.Integer({
      default: 1800,
      minimum: 1,
      maximum: 86400,
      description:
        'After repeated delivery failures to a host, Fedify holds further deliveries to it (they are kept, not lost) and tries the host again after this many seconds.',
    }),
    federationBlockedDomains: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'Domains refused both ways (comma-separated in the environment): their requests get 403 and local users cannot look up, follow or be followed by their accounts. example.com covers its subdomains; host:port names exactly one origin.',
    }),
    federationAllowedDomains: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'When not empty, the only domains this instance federates with (allow-list mode, comma-separated in the environment); every other domain is refused as if blocked. Same entry syntax as federationBlockedDomains.',
    }),
    federationAllowPrivateAddress: Type.Boolean({
      default: false,
      description:
        'Test networks only: let federation fetch and deliver to loopback and private addresses. Never enable in production (it opens the server to SSRF).',
    }),
    federationFetchMaxBytes: Type.Integer({
      default: 1048576,
      minimum: 1024,
      maximum: 67108864,
      description:
        'Largest remote document (actor, object, key, JSON-LD context, WebFinger answer) federation fetches, in bytes; reading stops and the fetch fails past it.',
    }),
    federationFetchTimeoutSeconds: Type.Integer({
      default: 10,
      minimum: 1,
      maximum: 300,
      description: 'A fetch of a remote document (with its redirects) is aborted after this many seconds.',
    }),
    shutdownTimeoutSeconds: Type.Integer({
      default: 15,
      minimum: 1,
      description: 'On SIGTERM, how long in-flight requests may take before Parley exits anyway.',
    }),
    // Files (DESIGN.md §2.10): where blobs are kept, limits, links for other instances.
    filesStorage: Type.Union([Type.Literal('local'), Type.Literal('s3')], {
      default: 'local',
      description:
        'Where shared files are kept. local: files under filesDir (embedded default). s3: the S3-compatible bucket filesS3Bucket (AWS S3, MinIO, Ceph), needed when several nodes serve one instance.',
    }),
    filesDir: Type.String({
      default: '',
      description: 'Folder of shared files with filesStorage local. Empty: dataDir/files.',
    }),
    filesS3Endpoint: Type.String({
      default: '',
      pattern: '^(https?://[^\\s]+)?$',
      description: "S3 endpoint URL, e.g. http://minio:9000. Empty: AWS S3's own for filesS3Region.",
    }),
    filesS3Region: Type.String({ default: 'us-east-1', minLength: 1, description: 'S3 region.' }),
    filesS3Bucket: Type.String({
      default: '',
      description: 'S3 bucket for shared files; required with filesStorage s3 (it must exist).',
    }),
    filesS3AccessKeyId: Type.String({ default: '', description: 'S3 access key id.' }),
    filesS3SecretAccessKey: Type.String({ default: '', description: 'S3 secret access key.' }),
    filesS3ForcePathStyle: Type.Boolean({
      default: true,
      description: 'Path-style S3 URLs (endpoint/bucket/key), as MinIO and most S3-compatible servers need.',
    }),
    filesS3Prefix: Type.String({
      default: '',
      pattern: '^([a-z0-9][a-z0-9_-]*/)*$',
      description: 'Prefix of every object key (e.g. parley/), to share a bucket with other things.',
    }),
    filesMaxBytes: Type.Integer({
      default: 104857600,
      minimum: 1,
      description: 'Largest file one upload may be, in bytes; larger uploads are refused before they are stored.',
    }),
    filesQuotaBytes: Type.Integer({
      default: 1073741824,
      minimum: 0,
      description: 'Bytes of shared files one person may keep (0: no quota). Deleting a file message frees its bytes.',
    }),
    filesMaxImagePixels: Type.Integer({
      default: 64000000,
      minimum: 1,
      description:
        'Images with more pixels (width × height) are refused instead of decoded for their thumbnail: a small file can expand to gigabytes (decompression bomb).',
    }),
    filesLinkTtlHours: Type.Integer({
      default: 168,
      minimum: 1,
      maximum: 8760,
      description:
        'How long the signed links through which other instances (and Mastodon) fetch a shared file stay valid, in hours.',
    }),
    filesRemoteMaxBytes: Type.Integer({
      default: 52428800,
      minimum: 1024,
      description:
        'Largest file fetched from another server (attachments of federated messages and of direct messages), in bytes; larger ones are not fetched.',
    }),
    filesUploadExpiryHours: Type.Integer({
      default: 24,
      minimum: 1,
      description: 'Resumable uploads not finished within this many hours are removed.',
    }),
    // Calls: media engine, Janus and TURN (DESIGN.md §2.6, §2.8).
    mediaEngine: Type.Union([Type.Literal('mesh'), Type.Literal('janus')], {
      default: 'mesh',
      description:
        'mesh: browsers connect peer to peer, Parley relays signalling (embedded default, small calls). janus: the Janus VideoRoom SFU carries the media.',
    }),
    meshMaxParticipants: Type.Integer({
      default: 5,
      minimum: 2,
      maximum: 16,
      description: 'Largest mesh call with video; one more join is refused with call-full.',
    }),
    janusUrl: Type.String({
      default: '',
      pattern: '^(wss?://[^\\s]+)?$',
      description:
        'WebSocket URL of an external Janus (ws://host:8188). Empty: Parley starts and supervises its own Janus from janusBinary.',
    }),
    janusApiSecret: Type.String({
      default: '',
      description:
        'api_secret of the external Janus at janusUrl. The supervised Janus gets a fresh random one at every start.',
    }),
    janusAdminKey: Type.String({
      default: '',
      description:
        'VideoRoom admin_key of the external Janus at janusUrl (needed to create rooms). The supervised Janus gets a fresh random one.',
    }),
    janusBinary: Type.String({
      default: '/usr/bin/janus',
      minLength: 1,
      description: 'The Janus executable Parley supervises when janusUrl is empty (Debian package janus).',
    }),
    janusPort: Type.Integer({
      default: 0,
      minimum: 0,
      maximum: 65535,
      description: 'Port of the supervised Janus WebSocket API on 127.0.0.1 (0: a free port chosen at start).',
    }),
    janusRtpPortRange: Type.String({
      default: '20000-20999',
      pattern: '^[0-9]{1,5}-[0-9]{1,5}$',
      description: 'UDP port range the supervised Janus uses for media, as FROM-TO.',
    }),
    janusIceInterfaces: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'Interfaces or addresses the supervised Janus gathers ICE candidates on (its ice_enforce_list; comma-separated in the environment). Required with the supervised Janus: Janus silently uses every interface when the list matches nothing.',
    }),
    janusRecordingsDir: Type.String({
      default: '',
      description:
        'Folder Janus writes call recordings to. Empty: dataDir/recordings with the supervised Janus; recording is off with an external Janus unless set (a folder on the Janus machine that Parley can read too).',
    }),
    bridgeAddresses: Type.Array(Type.String({ pattern: '^[0-9A-Fa-f:.]{2,45}$' }), {
      default: [],
      description:
        "Addresses the media bridges gather ICE candidates on, when this instance runs Janus and takes part in calls of rooms hosted elsewhere (comma-separated in the environment). Empty: the machine's own interfaces (werift skips loopback and veth/tun/tap interfaces, so name an address on one of those here).",
    }),
    turnSecret: Type.String({
      default: '',
      description:
        'Shared secret of the TURN REST API (coturn static-auth-secret with use-auth-secret). Required when turnUrls is set.',
    }),
    turnCredentialTtlSeconds: Type.Integer({
      default: 86400,
      minimum: 60,
      description: 'How long the TURN credentials handed to each session stay valid, in seconds.',
    }),
    stunUrls: Type.Array(Type.String({ pattern: '^stuns?:[^\\s]+$' }), {
      default: [],
      description:
        'STUN servers handed to browsers, e.g. stun:turn.example.org:3478 (comma-separated in the environment).',
    }),
    // Web Push (protocol/src/push.ts): notifications to browsers whose tab is closed.
    pushVapidPublicKey: Type.String({
      default: '',
      pattern: '^([A-Za-z0-9_-]{86,88})?$',
      description:
        'VAPID public key (base64url, as web-push generate-vapid-keys prints it). Empty (with pushVapidPrivateKey empty): a key pair is generated once and kept in the store, shared by every node.',
    }),
    pushVapidPrivateKey: Type.String({
      default: '',
      pattern: '^([A-Za-z0-9_-]{42,44})?$',
      description: 'VAPID private key (base64url); set together with pushVapidPublicKey.',
    }),
    pushVapidSubject: Type.String({
      default: '',
      pattern: '^((https://|mailto:)[^\\s]+)?$',
      description:
        'Contact push services are told (an https: URL or a mailto: address). Empty: publicOrigin when it is https, else mailto:parley@<its host>.',
    }),
    pushMaxSubscriptionsPerUser: Type.Integer({
      default: 10,
      minimum: 1,
      maximum: 100,
      description: 'Push subscriptions (browsers, devices) one person may keep; one more is refused.',
    }),
    pushTimeoutSeconds: Type.Integer({
      default: 10,
      minimum: 1,
      maximum: 60,
      description: 'A push to a push service (connect, send, answer) is abandoned after this many seconds.',
    }),
    pushAllowPrivateEndpoints: Type.Boolean({
      default: false,
      description:
        'Tests and development only: accept push endpoints on loopback and private addresses, over http too. Never enable in production (it lets users make the server send requests into its own network).',
    }),
    turnUrls: Type.Array(Type.String({ pattern: '^turns?:[^\\s]+$' }), {
      default: [],
      description:
        'TURN and TURNS servers handed to browsers with time-limited credentials, e.g. turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349 (comma-separated in the environment).',
    }),
  },
  { additionalProperties: false },
)

export type Config = Readonly<Static<typeof ConfigSchema>>
export type ConfigKey = keyof Config
