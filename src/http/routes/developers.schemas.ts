// The developer identity's shape (API.md "The developer identity").
import { Type } from 'typebox'
import type { Developer } from '../../services/developers/developers.service.ts'

const Uuid = Type.String({ format: 'uuid' })
const Timestamp = Type.String({ format: 'date-time' })

export const DeveloperSchema = Type.Object({
  developerId: Uuid,
  provider: Type.String({ description: 'portico (PROVIDER_PORTAL=none) or api7' }),
  state: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('failed')]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  syncedAt: Type.Union([Timestamp, Type.Null()]),
})

const iso = (date: Date | null) => (date ? date.toISOString() : null)

export const developerBody = (developer: Developer) => ({
  developerId: developer.developerId,
  provider: developer.provider,
  state: developer.state,
  lastError: developer.lastError,
  syncedAt: iso(developer.syncedAt),
})
