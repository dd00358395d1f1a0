import { useObservable } from '../../data/observable.ts'
import { Avatar } from './avatar.tsx'
import { useSession } from './hooks.ts'

/** A person's avatar by actor id: their picture when the session knows it, else their initials. */
export function PersonAvatar({ actorId, name, size }: { actorId: string; name: string; size?: number }) {
  const urls = useObservable(useSession().avatars.urls)
  return <Avatar name={name} size={size} src={urls.get(actorId) ?? null} />
}
