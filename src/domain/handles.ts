// Organization handles: 3–40 characters of a-z, 0-9 and '-', starting with a letter, unique across
// the instance, never changed once set. When none is given it is derived from the name.
export const HANDLE_MIN_LENGTH = 3
export const HANDLE_MAX_LENGTH = 40
export const HANDLE_PATTERN = '^[a-z][a-z0-9-]{2,39}$'
const handleRegex = new RegExp(HANDLE_PATTERN)

/** Words that would collide with console pages or read as official. */
export const reservedHandles: ReadonlySet<string> = new Set([
  'admin',
  'administrator',
  'api',
  'apis',
  'app',
  'apps',
  'auth',
  'billing',
  'console',
  'dashboard',
  'docs',
  'help',
  'invitations',
  'login',
  'logout',
  'me',
  'new',
  'organizations',
  'portico',
  'root',
  'settings',
  'signin',
  'sign-in',
  'signup',
  'sign-up',
  'status',
  'support',
  'system',
  'www',
])

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether `text` has the shape of a UUID (any case), as `{org}` reads an organization's ID. */
export function isUuidShaped(text: string): boolean {
  return UUID.test(text)
}

// `uuid`: `{org}` in a path is read as an ID first, so a UUID-shaped handle could never be reached.
export type HandleProblem = 'format' | 'reserved' | 'uuid'

export function checkHandle(handle: string): HandleProblem | undefined {
  if (!handleRegex.test(handle)) return 'format'
  if (isUuidShaped(handle)) return 'uuid'
  if (reservedHandles.has(handle)) return 'reserved'
  return undefined
}

/**
 * How `{org}` in a path names an organization: by ID when it is a UUID, else by handle, in any
 * case. Anything that can be neither (too long, characters no handle has) names nothing, and is
 * answered like an organization the caller does not belong to, without a query.
 */
export function organizationReference(ref: string): { column: 'id' | 'handle'; value: string } | undefined {
  if (isUuidShaped(ref)) return { column: 'id', value: ref.toLowerCase() }
  if (/^[A-Za-z][A-Za-z0-9-]{2,39}$/.test(ref)) return { column: 'handle', value: ref.toLowerCase() }
  return undefined
}

/** The handle a name suggests: "Acme Corp." → "acme-corp"; always valid, maybe reserved or taken. */
export function handleFromName(name: string): string {
  let handle = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  if (!/^[a-z]/.test(handle)) handle = `org-${handle}`.replace(/-+$/, '')
  handle = handle.slice(0, HANDLE_MAX_LENGTH - 5).replace(/-+$/, '')
  if (handle.length < HANDLE_MIN_LENGTH) handle = `${handle}-org`
  return handle
}

/** The derived handle with a short suffix (4 of a-z0-9), for when the plain one is taken or reserved. */
export function withSuffix(handle: string, suffix: string): string {
  return `${handle.slice(0, HANDLE_MAX_LENGTH - 5)}-${suffix}`
}
