// Before `npm start`: builds the console when web/dist is missing or older than its sources, so a
// checkout that changed the console never serves a stale one. (`npm ci` builds it already.)
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const web = fileURLToPath(new URL('.', import.meta.url))

function newest(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))))
}

const built = join(web, 'dist', 'index.html')
const sources = Math.max(
  newest(join(web, 'src')),
  newest(join(web, 'index.html')),
  newest(join(web, 'vite.config.ts')),
)
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  console.log('portico: building the console (web/dist is missing or stale)…')
  execFileSync(
    process.execPath,
    [join(web, '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: web,
      stdio: 'inherit',
    },
  )
}
