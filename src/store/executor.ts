// What a repository function runs its SQL on: the database, or the transaction a service opened.
import type { Kysely } from 'kysely'
import type { Tables } from './tables.ts'

export type Executor = Kysely<Tables>
