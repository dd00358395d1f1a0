/** Store records to wire shapes: the only place where internal fields are chosen for the outside. */
import type { SessionInfo, SessionView, TokenSummary, UserAdminView, UserProfile, UserStatus } from '@parley/protocol'
import type { ApiTokenRecord, SessionRecord, UserRecord, UserStatusRecord } from '../store/records.ts'
import { sessionPublicId } from '../accounts/account-service.ts'

const iso = (ms: number) => new Date(ms).toISOString()
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))

/** Where the user's avatar is served: the version in the query lets it be cached for good. */
export function avatarPath(user: Pick<UserRecord, 'id' | 'avatarEtag'>): string | null {
  return user.avatarEtag === null ? null : `/api/v1/users/${encodeURIComponent(user.id)}/avatar?v=${user.avatarEtag}`
}

export function userProfile(user: UserRecord): UserProfile {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    avatarUrl: avatarPath(user),
  }
}

export function userAdminView(user: UserRecord): UserAdminView {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    disabled: user.disabled,
    hidden: user.hidden,
    createdAt: iso(user.createdAt),
  }
}

export function tokenSummary(token: ApiTokenRecord): TokenSummary {
  return {
    id: token.id,
    name: token.name,
    createdAt: iso(token.createdAt),
    expiresAt: isoOrNull(token.expiresAt),
    lastUsedAt: isoOrNull(token.lastUsedAt),
  }
}

export function sessionInfo(user: UserRecord, session: SessionRecord): SessionInfo {
  return { user: userProfile(user), csrfToken: session.csrfToken, expiresAt: iso(session.expiresAt) }
}

export function userStatusView(status: UserStatusRecord): UserStatus {
  return { availability: status.availability, message: status.message, expiresAt: isoOrNull(status.expiresAt) }
}

export function sessionView(session: SessionRecord, current: SessionRecord | null): SessionView {
  return {
    id: sessionPublicId(session),
    createdAt: iso(session.createdAt),
    expiresAt: iso(session.expiresAt),
    userAgent: session.userAgent,
    current: session.idHash === current?.idHash,
  }
}

export { iso }
