import * as Popover from '@radix-ui/react-popover'
import { useRef, type KeyboardEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'

/** A small curated set: enough for reactions without shipping a whole emoji database. */
const GROUPS = {
  people: ['👍', '👎', '😀', '😂', '🙂', '😉', '😍', '🤔', '😮', '😢', '😡', '🙏', '👏', '🙌', '💪', '👋', '🤝', '🎉'],
  nature: ['🌞', '🌙', '⭐', '🔥', '🌈', '🌧️', '❄️', '🌱', '🌸', '🐶', '🐱', '🦊'],
  food: ['☕', '🍵', '🍺', '🍷', '🍕', '🍰', '🍎', '🥐'],
  activity: ['⚽', '🎮', '🎵', '🎨', '🚀', '🏆', '📚', '💻'],
  symbols: ['❤️', '💯', '✅', '❌', '⚠️', '❓', '❗', '➕', '👀', '💡', '📌', '🔔'],
} as const

/** A popover grid of emoji, usable with the arrow keys; picks one and closes. */
export function EmojiPicker({
  onPick,
  trigger,
  open,
  onOpenChange,
}: {
  onPick: (emoji: string) => void
  trigger: ReactNode
  open: boolean
  onOpenChange: (open: boolean) => void
}) {
  const { t } = useTranslation()
  const grid = useRef<HTMLDivElement>(null)
  const move = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [...(grid.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])]
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement)
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 6, ArrowUp: -6 }[event.key]
    if (step === undefined || index < 0) return
    event.preventDefault()
    buttons[Math.min(buttons.length - 1, Math.max(0, index + step))]?.focus()
  }
  return (
    <Popover.Root open={open} onOpenChange={onOpenChange}>
      <Popover.Trigger asChild>{trigger}</Popover.Trigger>
      <Popover.Portal>
        <Popover.Content className="emoji-picker" sideOffset={4} aria-label={t('emoji.title')} collisionPadding={8}>
          <div ref={grid} onKeyDown={move}>
            {Object.entries(GROUPS).map(([group, emojis]) => (
              <div key={group} role="group" aria-label={t(`emoji.${group}`)}>
                <p className="emoji-group">{t(`emoji.${group}`)}</p>
                <div className="emoji-grid">
                  {emojis.map((emoji) => (
                    <button
                      key={emoji}
                      type="button"
                      className="emoji"
                      aria-label={t('chat.reactWith', { emoji })}
                      onClick={() => {
                        onPick(emoji)
                        onOpenChange(false)
                      }}
                    >
                      {emoji}
                    </button>
                  ))}
                </div>
              </div>
            ))}
          </div>
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  )
}
