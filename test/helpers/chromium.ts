// The Chromium the browser tests drive (playwright-core), found in this order:
//   1. CHROMIUM_PATH: an executable to use, or `bundled` (skip steps 2 and 3);
//   2. Debian's /usr/bin/chromium;
//   3. a Google Chrome or Chromium installed in its usual place (Linux, macOS, Windows);
//   4. the headless Chromium shipped by the @sparticuz/chromium dev dependency (linux-x64), unpacked
//      once into node_modules/.cache with the libraries and font it brings, so that it needs nothing
//      from the machine but glibc.
// test/helpers/chromium-setup.ts finds it once per run and says which; tests call launchChromium().
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { arch, homedir, platform } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'
import { inject } from 'vitest'

export interface FoundChromium {
  executablePath: string
  /** Extra environment for the browser process (the bundled one's libraries and fonts). */
  env: Record<string, string>
  /** Where it came from, for the line the run prints. */
  description: string
}

const DEBIAN = '/usr/bin/chromium'
const root = fileURLToPath(new URL('../..', import.meta.url))

export async function findChromium(): Promise<FoundChromium> {
  const configured = process.env.CHROMIUM_PATH
  if (configured === 'bundled') return unpackBundled('CHROMIUM_PATH=bundled')
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`CHROMIUM_PATH=${configured} is not an executable file`)
    return { executablePath: configured, env: {}, description: `${configured} (CHROMIUM_PATH)` }
  }
  if (isExecutable(DEBIAN)) return { executablePath: DEBIAN, env: {}, description: `${DEBIAN} (Debian's)` }
  const installed = installedBrowsers().find(isExecutable)
  if (installed) return { executablePath: installed, env: {}, description: `${installed} (installed)` }
  return unpackBundled(`no ${DEBIAN}, no installed Chrome or Chromium`)
}

function installedBrowsers(): string[] {
  switch (platform()) {
    case 'linux':
      return ['/usr/bin/google-chrome-stable', '/usr/bin/google-chrome', '/opt/google/chrome/chrome']
    case 'darwin':
      return ['/Applications', join(homedir(), 'Applications')].flatMap((folder) => [
        join(folder, 'Google Chrome.app/Contents/MacOS/Google Chrome'),
        join(folder, 'Chromium.app/Contents/MacOS/Chromium'),
      ])
    case 'win32':
      return [process.env.PROGRAMFILES, process.env['PROGRAMFILES(X86)'], process.env.LOCALAPPDATA]
        .filter((folder): folder is string => Boolean(folder))
        .map((folder) => join(folder, 'Google/Chrome/Application/chrome.exe'))
    default:
      return []
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

async function unpackBundled(reason: string): Promise<FoundChromium> {
  if (platform() !== 'linux' || arch() !== 'x64') {
    throw new Error(
      `browser tests need Chromium (${reason}, and @sparticuz/chromium only ships linux-x64): install Google Chrome or Chromium, or set CHROMIUM_PATH`,
    )
  }
  const packageDir = join(root, 'node_modules/@sparticuz/chromium')
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string
  }
  const dir = join(root, 'node_modules/.cache', `portico-chromium-${version}`)
  const found = (): FoundChromium => ({
    executablePath: join(dir, 'chromium'),
    env: { LD_LIBRARY_PATH: join(dir, 'al2023/lib'), FONTCONFIG_FILE: join(dir, 'fonts.conf') },
    description: `@sparticuz/chromium ${version} unpacked in ${dir} (${reason})`,
  })
  if (existsSync(join(dir, 'fonts.conf'))) return found()
  // Unpacked beside the final directory and renamed into place, so an interrupted run leaves no half
  // binary behind. The package unpacks into os.tmpdir(), read from TMPDIR when each inflate starts.
  const { inflate } = await import('@sparticuz/chromium')
  const partial = `${dir}.partial-${process.pid}`
  rmSync(partial, { recursive: true, force: true })
  mkdirSync(partial, { recursive: true })
  const tmpdir = process.env.TMPDIR
  process.env.TMPDIR = partial
  const unpacking = ['chromium.br', 'al2023.tar.br', 'fonts.tar.br', 'swiftshader.tar.br'].map((file) =>
    inflate(join(packageDir, 'bin', file)),
  )
  if (tmpdir === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = tmpdir
  try {
    await Promise.all(unpacking)
  } catch (error) {
    rmSync(partial, { recursive: true, force: true })
    throw error
  }
  // The package's fonts.conf names /tmp/fonts; ours names the font where it was unpacked.
  writeFileSync(
    join(partial, 'fonts.conf'),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
  )
  rmSync(dir, { recursive: true, force: true })
  renameSync(partial, dir)
  return found()
}

/** Launches the Chromium found for this run (by the globalSetup, or here when there is none). */
export async function launchChromium(): Promise<Browser> {
  const found = inject('chromium') ?? (await findChromium())
  return chromium.launch({
    executablePath: found.executablePath,
    headless: true,
    env: { ...process.env, ...found.env },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}
