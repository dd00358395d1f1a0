import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// Parley serves dist/ at / (server/src/http/web-client.ts): hashed assets under /assets/ are cached
// for a year, index.html never. No inline scripts (the Content-Security-Policy allows none).
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    modulePreload: { polyfill: false },
    sourcemap: false,
    // Measured compressed by npm run bench:web (first view < 250 KB); minified sizes warn only past this.
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev -w web` against a local `npm start`.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
})
