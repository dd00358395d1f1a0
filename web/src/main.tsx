import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { setNonce } from 'get-nonce'
import { initI18n } from './i18n/index.ts'
import { applyTheme } from './theme.ts'
import { App } from './app.tsx'
import './styles.css'

// The Content-Security-Policy allows <style> elements only with this page's nonce (the server puts
// a fresh one in the meta tag of each index.html it sends); Radix's scroll lock injects one.
const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content
if (nonce && !nonce.startsWith('__')) setNonce(nonce)

applyTheme()
await initI18n()
const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
