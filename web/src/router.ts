// A small history-API router: the path is external state React subscribes to.
import { useSyncExternalStore } from 'react'

const listeners = new Set<() => void>()
window.addEventListener('popstate', () => {
  for (const listener of listeners) listener()
})

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  for (const listener of listeners) listener()
}

export function usePath(): string {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    () => location.pathname,
  )
}

/** The named parameters of `pattern` (e.g. /o/:org/members) in `path`, or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const names: string[] = []
  const regex = new RegExp(
    `^${pattern.replace(/:[a-zA-Z]+/g, (name) => {
      names.push(name.slice(1))
      return '([^/]+)'
    })}/?$`,
  )
  const found = regex.exec(path)
  if (!found) return undefined
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? '')]))
}
