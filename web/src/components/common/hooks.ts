import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { AppSession } from '../../data/session.ts'
import { problemOf, type Problem } from '../../data/errors.ts'

export const SessionContext = createContext<AppSession | null>(null)

export function useSession(): AppSession {
  const session = useContext(SessionContext)
  if (!session) throw new TypeError('useSession() outside a signed-in screen')
  return session
}

/**
 * Runs an action and keeps its failure as a Problem (words from the error code); `busy` while it runs.
 * Returns undefined when the action failed.
 */
export function useAction(): {
  busy: boolean
  problem: Problem | null
  run: <T>(action: () => Promise<T>) => Promise<T | undefined>
  clear: () => void
} {
  const { t } = useTranslation()
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<Problem | null>(null)
  const mounted = useRef(true)
  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])
  const run = useCallback(
    async <T>(action: () => Promise<T>): Promise<T | undefined> => {
      setBusy(true)
      setProblem(null)
      try {
        return await action()
      } catch (error) {
        if (mounted.current) setProblem(problemOf(error, t))
        return undefined
      } finally {
        if (mounted.current) setBusy(false)
      }
    },
    [t],
  )
  return { busy, problem, run, clear: () => setProblem(null) }
}
