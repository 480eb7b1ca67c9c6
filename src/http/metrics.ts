// Prometheus metrics of one app instance, in a registry of its own (never the global one, so two
// apps in one process, as in tests, do not mix their counts).
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { PoolUse } from '../store/database.ts'

export interface HttpMetrics {
  registry: Registry
  observe(request: FastifyRequest, reply: FastifyReply): void
}

export function createMetrics(poolUse: () => PoolUse): HttpMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const requests = new Counter({
    name: 'portico_http_requests_total',
    help: 'HTTP requests answered, by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'portico_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  new Gauge({
    name: 'portico_db_pool_connections',
    help: 'Database connections, by state (total, idle, waiting clients)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const use = poolUse()
      this.set({ state: 'total' }, use.total)
      this.set({ state: 'idle' }, use.idle)
      this.set({ state: 'waiting' }, use.waiting)
    },
  })
  return {
    registry,
    observe(request, reply) {
      // The route pattern, never the raw URL: label values must stay few (and free of tokens).
      const route = request.routeOptions.url ?? 'unmatched'
      requests.inc({ method: request.method, route, status: String(reply.statusCode) })
      duration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
    },
  }
}
