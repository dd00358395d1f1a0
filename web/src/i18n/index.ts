/** i18next with English and German; the language is the browser's unless the person picked one. */
import i18next from 'i18next'
import { initReactI18next } from 'react-i18next'
import { en } from './en.ts'
import { de } from './de.ts'

export const LANGUAGES = { en: 'English', de: 'Deutsch' } as const
export type Language = keyof typeof LANGUAGES
const KEY = 'parley.language'

export function initialLanguage(): Language {
  const saved = safeGet(KEY)
  if (saved === 'en' || saved === 'de') return saved
  return navigator.language.toLowerCase().startsWith('de') ? 'de' : 'en'
}

export async function initI18n(): Promise<typeof i18next> {
  await i18next.use(initReactI18next).init({
    lng: initialLanguage(),
    fallbackLng: 'en',
    resources: { en: { translation: en }, de: { translation: de } },
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  })
  document.documentElement.lang = i18next.language
  i18next.on('languageChanged', (lng) => (document.documentElement.lang = lng))
  return i18next
}

export function setLanguage(language: Language): void {
  safeSet(KEY, language)
  void i18next.changeLanguage(language)
}

function safeGet(key: string): string | null {
  try {
    return localStorage.getItem(key)
  } catch {
    return null
  }
}
function safeSet(key: string, value: string): void {
  try {
    localStorage.setItem(key, value)
  } catch {
    // private mode: the choice lasts as long as the page
  }
}
