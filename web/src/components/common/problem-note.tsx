import type { Problem } from '../../data/errors.ts'

/** An error in words, with what to do next; announced to screen readers. */
export function ProblemNote({ problem, id }: { problem: Problem | null; id?: string }) {
  if (!problem) return null
  return (
    <div className="problem" role="alert" id={id} data-code={problem.code}>
      <strong>{problem.text}</strong> {problem.next}
    </div>
  )
}
