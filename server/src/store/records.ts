/**
 * What the store keeps. Times are epoch milliseconds; ids are opaque strings made by the services.
 * Secrets (session ids, API tokens, invite codes) are stored only as SHA-256 hashes.
 */
import type { UserRole } from '@parley/protocol'

export type UserRecord = {
  id: string
  /** Immutable; stays reserved after deletion so a name never points at a different person. */
  username: string
  displayName: string
  role: UserRole
  passwordHash: string | null
  disabled: boolean
  createdAt: number
  deletedAt: number | null
}

export type SessionRecord = {
  /** SHA-256 of the cookie value. */
  idHash: string
  userId: string
  csrfToken: string
  createdAt: number
  expiresAt: number
}

export type ApiTokenRecord = {
  id: string
  userId: string
  name: string
  /** SHA-256 of the bearer secret. */
  secretHash: string
  createdAt: number
  expiresAt: number | null
  lastUsedAt: number | null
  revokedAt: number | null
}

export type InviteRecord = {
  /** SHA-256 of the invite code. */
  codeHash: string
  createdBy: string
  createdAt: number
  expiresAt: number
  usedBy: string | null
  usedAt: number | null
}
