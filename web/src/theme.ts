/** Light, dark or as the system: a `data-theme` attribute on <html> that the stylesheet follows. */
import { Observable } from './data/observable.ts'

export type ThemeChoice = 'system' | 'light' | 'dark'
const KEY = 'parley.theme'

function saved(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY)
    return value === 'light' || value === 'dark' ? value : 'system'
  } catch {
    return 'system'
  }
}

export const theme = new Observable<ThemeChoice>(saved())

export function applyTheme(): void {
  const media = matchMedia('(prefers-color-scheme: dark)')
  const apply = () => {
    const choice = theme.get()
    document.documentElement.dataset.theme = choice === 'system' ? (media.matches ? 'dark' : 'light') : choice
  }
  media.addEventListener('change', apply)
  theme.subscribe(apply)
  apply()
}

export function setTheme(choice: ThemeChoice): void {
  try {
    localStorage.setItem(KEY, choice)
  } catch {
    // the choice lasts as long as the page
  }
  theme.set(choice)
}
