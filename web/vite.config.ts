import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The console is built into web/dist and served by Portico itself. In development (`npm run
// dev:web`) Vite serves it and proxies the API to a Portico on :3000. No source maps in the
// build: Portico would serve them to anyone, and they hold the server code the console imports
// (the reserved-handle list, among others).
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    proxy: Object.fromEntries(
      ['/v1', '/docs', '/openapi.json'].map((path) => [path, 'http://127.0.0.1:3000']),
    ),
  },
})
