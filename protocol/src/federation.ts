import Type, { type Static } from 'typebox'
import { Timestamp } from './common.ts'

const ActivityPubId = Type.String({
  format: 'uri',
  maxLength: 2048,
  description: 'An ActivityPub id (absolute https URL)',
})

/** A Fediverse account as Parley shows it, from a lookup by handle or URL. */
export const RemoteActor = Type.Object(
  {
    id: ActivityPubId,
    type: Type.String({ description: 'ActivityStreams actor type: Person, Group, Service, …' }),
    handle: Type.Union([Type.String(), Type.Null()], { description: '@name@host' }),
    name: Type.Union([Type.String(), Type.Null()]),
    avatarUrl: Type.Union([Type.String(), Type.Null()]),
    url: Type.Union([Type.String(), Type.Null()], { description: 'Profile page' }),
  },
  { additionalProperties: false, title: 'RemoteActor' },
)
export type RemoteActor = Static<typeof RemoteActor>

export const RemoteLookupQuery = Type.Object(
  { handle: Type.String({ minLength: 3, maxLength: 512, description: '@name@host, name@host or an actor URL' }) },
  { additionalProperties: false, title: 'RemoteLookupQuery' },
)
export type RemoteLookupQuery = Static<typeof RemoteLookupQuery>

export const FollowRequest = Type.Object(
  { target: Type.String({ minLength: 3, maxLength: 512, description: '@name@host, name@host or an actor URL' }) },
  { additionalProperties: false, title: 'FollowRequest' },
)
export type FollowRequest = Static<typeof FollowRequest>

export const FollowState = Type.Union([Type.Literal('pending'), Type.Literal('accepted')])
export type FollowState = Static<typeof FollowState>

/** One of my follows of a Fediverse account: pending until the account's server accepts it. */
export const FollowView = Type.Object(
  { actorId: ActivityPubId, state: FollowState, createdAt: Timestamp },
  { additionalProperties: false, title: 'FollowView' },
)
export type FollowView = Static<typeof FollowView>

export const UnfollowQuery = Type.Object(
  { actor: ActivityPubId },
  { additionalProperties: false, title: 'UnfollowQuery' },
)
export type UnfollowQuery = Static<typeof UnfollowQuery>

export const BlockRequest = Type.Object(
  { target: Type.String({ minLength: 3, maxLength: 512, description: '@name@host, name@host or an actor URL' }) },
  { additionalProperties: false, title: 'BlockRequest' },
)
export type BlockRequest = Static<typeof BlockRequest>

/** A Fediverse account I blocked: its follows are rejected and its messages to me dropped. */
export const BlockView = Type.Object(
  { actorId: ActivityPubId, createdAt: Timestamp },
  { additionalProperties: false, title: 'BlockView' },
)
export type BlockView = Static<typeof BlockView>

export const BlockList = Type.Object(
  { blocks: Type.Array(BlockView) },
  { additionalProperties: false, title: 'BlockList' },
)
export type BlockList = Static<typeof BlockList>

/** A report (ActivityPub `Flag`) another server sent about local users, for admins. */
export const FederationReport = Type.Object(
  {
    activityId: ActivityPubId,
    reporterId: ActivityPubId,
    userIds: Type.Array(Type.String(), { description: 'Reported local users' }),
    objectIds: Type.Array(Type.String(), { description: 'Everything the report names: accounts, messages' }),
    content: Type.String({ description: "The reporter's comment, as sent" }),
    receivedAt: Timestamp,
  },
  { additionalProperties: false, title: 'FederationReport' },
)
export type FederationReport = Static<typeof FederationReport>

export const FederationReportList = Type.Object(
  { reports: Type.Array(FederationReport) },
  { additionalProperties: false, title: 'FederationReportList' },
)
export type FederationReportList = Static<typeof FederationReportList>

const Domain = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[a-zA-Z0-9.-]+(:[0-9]{1,5})?$',
  description: 'A domain (covers its subdomains, any port) or host:port (exactly that origin)',
})

export const DomainBlockRequest = Type.Object(
  { domain: Domain },
  { additionalProperties: false, title: 'DomainBlockRequest' },
)
export type DomainBlockRequest = Static<typeof DomainBlockRequest>

export const DomainBlock = Type.Object(
  { domain: Type.String(), createdAt: Timestamp },
  { additionalProperties: false, title: 'DomainBlock' },
)
export type DomainBlock = Static<typeof DomainBlock>

export const DomainBlockList = Type.Object(
  {
    configured: Type.Array(Type.String(), {
      description: 'From the configuration (federationBlockedDomains): changed there only',
    }),
    blocks: Type.Array(DomainBlock, { description: 'Added by admins at run time' }),
  },
  { additionalProperties: false, title: 'DomainBlockList' },
)
export type DomainBlockList = Static<typeof DomainBlockList>

export const DomainParams = Type.Object({ domain: Domain }, { additionalProperties: false, title: 'DomainParams' })
export type DomainParams = Static<typeof DomainParams>

/**
 * Why a fetch of a remote document (actor, object, key, context, WebFinger JRD) was refused or
 * failed: stable codes, given as `details.reason` of `remote-not-found` and in federation logs.
 */
export const RemoteFetchErrorCode = Type.Union(
  [
    Type.Literal('fetch-private-address'),
    Type.Literal('fetch-scheme-refused'),
    Type.Literal('fetch-too-large'),
    Type.Literal('fetch-timeout'),
    Type.Literal('fetch-too-many-redirects'),
    Type.Literal('fetch-redirect-loop'),
    Type.Literal('fetch-content-type-refused'),
  ],
  {
    title: 'RemoteFetchErrorCode',
    description:
      'fetch-private-address: the host is, resolves to or connected to a loopback, private, link-local or otherwise non-public address (checked before the fetch and again on connect, on every redirect hop). fetch-scheme-refused: not https (http only on test networks). fetch-too-large: the body passed federationFetchMaxBytes. fetch-timeout: no full answer within federationFetchTimeoutSeconds. fetch-too-many-redirects: more than 5 redirect and alternate-link hops in one document load. fetch-redirect-loop: a redirect or alternate link back to a URL already visited. fetch-content-type-refused: the answer is neither application/activity+json nor application/ld+json with the ActivityStreams profile, and names no such alternate document (an HTML page is read only for that link).',
  },
)
export type RemoteFetchErrorCode = Static<typeof RemoteFetchErrorCode>
