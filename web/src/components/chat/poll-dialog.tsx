import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { RoomView } from '@parley/client/browser'
import type { Timeline } from '../../data/timeline.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { Modal } from '../common/modal.tsx'
import { ProblemNote } from '../common/problem-note.tsx'

export function PollDialog({
  room,
  timeline,
  open,
  onOpenChange,
}: {
  room: RoomView
  timeline: Timeline
  open: boolean
  onOpenChange: (open: boolean) => void
}) {
  const { t } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [question, setQuestion] = useState('')
  const [options, setOptions] = useState(['', ''])
  const [multiple, setMultiple] = useState(false)
  const [anonymous, setAnonymous] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    event.stopPropagation()
    const created = await run(() =>
      session.parley.rest.createPoll(room.id, {
        question: question.trim(),
        options: options.map((o) => o.trim()).filter(Boolean),
        multiple,
        anonymous,
      }),
    )
    if (!created) return
    timeline.setPoll(created.poll)
    timeline.upsert(created.message)
    setQuestion('')
    setOptions(['', ''])
    onOpenChange(false)
  }
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={t('chat.newPoll')}>
      <form className="form" onSubmit={submit}>
        <label>
          {t('chat.question')}
          <input required maxLength={500} value={question} onChange={(e) => setQuestion(e.target.value)} />
        </label>
        {options.map((option, i) => (
          <label key={i}>
            {t('chat.option', { n: i + 1 })}
            <input
              required={i < 2}
              maxLength={200}
              value={option}
              onChange={(e) => setOptions(options.map((o, j) => (j === i ? e.target.value : o)))}
            />
          </label>
        ))}
        {options.length < 20 && (
          <button type="button" onClick={() => setOptions([...options, ''])}>
            {t('chat.addOption')}
          </button>
        )}
        <label className="radio">
          <input type="checkbox" checked={multiple} onChange={(e) => setMultiple(e.target.checked)} />
          {t('chat.multiple')}
        </label>
        <label className="radio">
          <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} />
          {t('chat.anonymous')}
        </label>
        <ProblemNote problem={problem} />
        <div className="row end">
          <button type="submit" className="primary" disabled={busy}>
            {t('create.create')}
          </button>
        </div>
      </form>
    </Modal>
  )
}
