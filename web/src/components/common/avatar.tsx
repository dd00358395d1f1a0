import { useState } from 'react'
import type React from 'react'

/**
 * A person's picture when they uploaded one (served by this server), else initials on a colour
 * picked from the name: the same person always looks the same. Pictures of other servers are not
 * loaded: the page's Content-Security-Policy allows images from this origin only.
 */
export function Avatar({ name, size = 32, src }: { name: string; size?: number; src?: string | null }) {
  const [failed, setFailed] = useState<string | null>(null)
  const initials =
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => /[\p{L}\p{N}]/u.exec(w)?.[0]?.toUpperCase() ?? '')
      .join('') || '?'
  let hash = 0
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) | 0
  const hue = Math.abs(hash) % 360
  // React sets these through the CSSOM, which the Content-Security-Policy allows (no style attribute).
  const style = { '--avatar-hue': hue, '--avatar-size': `${size}px` } as React.CSSProperties
  if (src?.startsWith('/') && failed !== src)
    return (
      <img
        className="avatar avatar-image"
        src={src}
        alt=""
        width={size}
        height={size}
        style={style}
        onError={() => setFailed(src)}
      />
    )
  return (
    <span
      className="avatar"
      aria-hidden="true"
      // Drawn by CSS from the attribute: no text node, so it never becomes part of a control's name.
      data-initials={initials}
      style={style}
    />
  )
}
