// Micro-benchmark: permissionsOf(roles) + one check, in-process, as authorization does per request.
// Returns checks per second over a fixed number of iterations (bounded time).
import { type Permission, permissionsOf, type RoleName } from '../src/domain/permissions.ts'

const roleSets: RoleName[][] = [
  ['owner'],
  ['member'],
  ['api-publisher', 'developer'],
  ['external-api-subscriber'],
]
const checks: Permission[] = ['organization:read', 'member:invite', 'api:publish', 'credential:create']

export function benchmarkPermissionChecks(iterations = 20_000_000): {
  checksPerSecond: number
  allowed: number
} {
  let allowed = 0
  // Warm up so the JIT has compiled the hot path before timing.
  for (let i = 0; i < 1_000_000; i++)
    if (permissionsOf(roleSets[i & 3] ?? []).has(checks[(i >> 2) & 3] ?? 'organization:read')) allowed++
  allowed = 0
  const started = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) {
    if (permissionsOf(roleSets[i & 3] ?? []).has(checks[(i >> 2) & 3] ?? 'organization:read')) allowed++
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return { checksPerSecond: iterations / seconds, allowed }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { checksPerSecond } = benchmarkPermissionChecks()
  console.log(`permissionsOf + check: ${(checksPerSecond / 1e6).toFixed(1)} million/s`)
}
