import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { PollView } from '@parley/client/browser'
import type { Timeline } from '../../data/timeline.ts'
import { useObservable } from '../../data/observable.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'

/**
 * A poll in the timeline: vote (one or several options; not in a read-only room unless moderator),
 * live results, close (author or moderators).
 */
export function PollCard({
  timeline,
  pollId,
  canVote,
  canClose,
}: {
  timeline: Timeline
  pollId: string
  canVote: boolean
  canClose: boolean
}) {
  const { t } = useTranslation()
  const session = useSession()
  const poll: PollView | undefined = useObservable(timeline.state).polls[pollId]
  const [chosen, setChosen] = useState<number[]>([])
  const { busy, problem, run } = useAction()
  useEffect(() => {
    void run(() => timeline.poll(pollId))
  }, [pollId, run, timeline])
  if (!poll) return <ProblemNote problem={problem} />
  const total = poll.votes.reduce((a, b) => a + b, 0)
  const rest = session.parley.rest
  return (
    <form
      className="poll"
      aria-label={`${t('chat.poll')}: ${poll.question}`}
      onSubmit={(e) => {
        e.preventDefault()
        void run(() => rest.vote(poll.roomId, poll.id, chosen)).then((p) => p && timeline.setPoll(p))
      }}
    >
      <fieldset disabled={poll.closed || busy || !canVote}>
        <legend>
          {poll.question} {poll.closed && <span className="tag">{t('chat.closed')}</span>}
        </legend>
        {poll.options.map((option, i) => {
          const votes = poll.votes[i] ?? 0
          const share = total ? Math.round((votes / total) * 100) : 0
          return (
            <label key={i} className="poll-option">
              <input
                type={poll.multiple ? 'checkbox' : 'radio'}
                name={`poll-${poll.id}`}
                checked={chosen.includes(i)}
                onChange={(e) =>
                  setChosen(poll.multiple ? (e.target.checked ? [...chosen, i] : chosen.filter((c) => c !== i)) : [i])
                }
              />
              <span className="poll-text">{option}</span>
              <meter min={0} max={100} value={share} aria-label={t('chat.votes', { count: votes })} />
              <span className="muted">{t('chat.votes', { count: votes })}</span>
            </label>
          )
        })}
      </fieldset>
      <ProblemNote problem={problem} />
      {!poll.closed && (
        <div className="row">
          {canVote && (
            <button type="submit" disabled={chosen.length === 0 || busy}>
              {t('chat.vote')}
            </button>
          )}
          {canClose && (
            <button
              type="button"
              onClick={() => void run(() => rest.closePoll(poll.roomId, poll.id)).then((p) => p && timeline.setPoll(p))}
            >
              {t('chat.closePoll')}
            </button>
          )}
        </div>
      )}
    </form>
  )
}
