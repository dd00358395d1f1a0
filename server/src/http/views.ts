/** Store records to wire shapes: the only place where internal fields are chosen for the outside. */
import type { SessionInfo, TokenSummary, UserAdminView, UserProfile } from '@parley/protocol'
import type { ApiTokenRecord, SessionRecord, UserRecord } from '../store/records.ts'

const iso = (ms: number) => new Date(ms).toISOString()
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))

export function userProfile(user: UserRecord): UserProfile {
  return { id: user.id, username: user.username, displayName: user.displayName, role: user.role }
}

export function userAdminView(user: UserRecord): UserAdminView {
  return { ...userProfile(user), disabled: user.disabled, createdAt: iso(user.createdAt) }
}

export function tokenSummary(token: ApiTokenRecord): TokenSummary {
  return { id: token.id, name: token.name, createdAt: iso(token.createdAt), expiresAt: isoOrNull(token.expiresAt), lastUsedAt: isoOrNull(token.lastUsedAt) }
}

export function sessionInfo(user: UserRecord, session: SessionRecord): SessionInfo {
  return { user: userProfile(user), csrfToken: session.csrfToken, expiresAt: iso(session.expiresAt) }
}

export { iso }
