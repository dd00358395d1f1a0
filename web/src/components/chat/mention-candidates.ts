/**
 * Who `@` offers in the composer: the server's mention candidates (the room's participants,
 * remote ones included, then the user directory). While the server's answer is on its way, and
 * when it cannot be asked, the room's loaded participants are offered instead.
 */
import { useEffect, useState } from 'react'
import type { MentionCandidate, ParticipantView } from '@parley/client/browser'
import type { AppSession } from '../../data/session.ts'

const LIMIT = 6
const ASK_DELAY_MS = 120

/** The text a mention of this candidate is written with (the server recognises `@username`). */
export function mentionText(c: MentionCandidate): string {
  if (c.username) return `@${c.username}`
  if (c.handle) return c.handle.startsWith('@') ? c.handle : `@${c.handle}`
  return `@${c.displayName.replace(/\s+/g, '')}`
}

function fromParticipant(p: ParticipantView): MentionCandidate {
  return {
    actorType: p.actorType,
    actorId: p.actorId,
    displayName: p.displayName,
    username: null,
    handle: null,
    avatarUrl: null,
    inRoom: true,
  }
}

export function useMentionCandidates(
  session: AppSession,
  roomId: string,
  query: string | null,
  participants: ParticipantView[],
): MentionCandidate[] {
  const [answer, setAnswer] = useState<{ query: string; candidates: MentionCandidate[] } | null>(null)
  useEffect(() => {
    if (query === null) return
    let cancelled = false
    const timer = setTimeout(() => {
      session.parley.rest
        .mentionCandidates(roomId, query, LIMIT + 1)
        .then(({ candidates }) => {
          if (cancelled) return
          session.avatars.set(candidates.map((c) => [c.actorId, c.avatarUrl] as const))
          setAnswer({ query, candidates })
        })
        .catch((error: unknown) => console.warn('mention candidates could not be loaded', error))
    }, ASK_DELAY_MS)
    return () => {
      cancelled = true
      clearTimeout(timer)
    }
  }, [session, roomId, query])
  if (query === null) return []
  const list =
    answer?.query === query
      ? answer.candidates
      : participants
          .filter((p) => p.state === 'active')
          .map(fromParticipant)
          .filter((c) => c.displayName.replace(/\s+/g, '').toLowerCase().startsWith(query.toLowerCase()))
  return list.filter((c) => c.actorId !== session.actorId).slice(0, LIMIT)
}
