// apis, apps, keys: the developer portal's resources.

import type { Command } from 'commander'
import { all } from '../../../packages/sdk/src/index.ts'
import { contextOf } from '../command-context.ts'

type ApiRow = { id: string; name: string; version: string; basePath: string; status: string }
const apiColumns: [string, (row: ApiRow) => unknown][] = [
  ['NAME', (row) => row.name],
  ['VERSION', (row) => row.version],
  ['BASE PATH', (row) => row.basePath],
  ['STATUS', (row) => row.status],
  ['ID', (row) => row.id],
]
type ApplicationRow = { id: string; name: string; description: string; createdAt: string }
const applicationColumns: [string, (row: ApplicationRow) => unknown][] = [
  ['NAME', (row) => row.name],
  ['DESCRIPTION', (row) => row.description],
  ['CREATED', (row) => row.createdAt],
  ['ID', (row) => row.id],
]
type KeyRow = {
  id: string
  name: string
  environment: string
  prefix: string
  last4: string
  lastUsedAt: string | null
  expiresAt: string | null
}
const keyColumns: [string, (row: KeyRow) => unknown][] = [
  ['NAME', (row) => row.name],
  ['ENVIRONMENT', (row) => row.environment],
  ['KEY', (row) => `${row.prefix}…${row.last4}`],
  ['LAST USED', (row) => row.lastUsedAt],
  ['EXPIRES', (row) => row.expiresAt],
  ['ID', (row) => row.id],
]

export function registerPortalCommands(program: Command) {
  const apis = program.command('apis').description("The organization's APIs")
  apis
    .command('list')
    .description('APIs with their status')
    .action(async (_options, command: Command) => {
      const { client, organization, print } = contextOf(command)
      print.list(await all((await client()).apis.list(await organization())), apiColumns)
    })
  apis
    .command('create')
    .description('Create an API (a draft until published)')
    .requiredOption('--name <name>')
    .requiredOption('--api-version <version>', 'e.g. v1 (--version is the command line’s own)')
    .requiredOption('--base-path <path>', 'e.g. /payments: it serves {basePath}/{version}')
    .option('--description <text>')
    .action(async (options, command: Command) => {
      const { client, organization, print } = contextOf(command)
      const api = await (await client()).apis.create(await organization(), {
        name: options.name,
        version: options.apiVersion,
        basePath: options.basePath,
        description: options.description,
      })
      print.one(api, apiColumns)
    })
  apis
    .command('publish')
    .description('Publish an API: applications may subscribe to it')
    .argument('<id>', "the API's ID")
    .action(async (id: string, _options, command: Command) => {
      const { client, organization, print } = contextOf(command)
      print.one(await (await client()).apis.publish(await organization(), id), apiColumns)
    })

  const apps = program.command('apps').description("The organization's applications")
  apps
    .command('list')
    .description('Applications')
    .action(async (_options, command: Command) => {
      const { client, organization, print } = contextOf(command)
      print.list(await all((await client()).applications.list(await organization())), applicationColumns)
    })
  apps
    .command('create')
    .description('Create an application')
    .argument('<name>')
    .option('--description <text>')
    .action(async (name: string, options: { description?: string }, command: Command) => {
      const { client, organization, print } = contextOf(command)
      const created = await (await client()).applications.create(await organization(), {
        name,
        description: options.description,
      })
      print.one(created, applicationColumns)
    })
  apps
    .command('subscribe')
    .description('Subscribe an application to a published API')
    .argument('<app>', "the application's ID")
    .requiredOption('--api <id>', "the API's ID")
    .option('--plan <name>', 'the plan (default: default)')
    .action(async (app: string, options: { api: string; plan?: string }, command: Command) => {
      const { client, organization, print } = contextOf(command)
      const subscription = await (await client()).applications.subscribe(await organization(), app, {
        apiId: options.api,
        plan: options.plan,
      })
      print.one(subscription, [
        ['API', (row) => row.apiId],
        ['PLAN', (row) => row.plan],
        ['ID', (row) => row.id],
      ])
    })

  const keys = program.command('keys').description("An application's API keys")
  keys
    .command('list')
    .description("An application's keys (never their secrets)")
    .requiredOption('--app <id>', "the application's ID")
    .action(async (options: { app: string }, command: Command) => {
      const { client, organization, print } = contextOf(command)
      print.list(await all((await client()).keys.list(await organization(), options.app)), keyColumns)
    })
  keys
    .command('create')
    .description('Create a key; its secret is printed this once and never again')
    .requiredOption('--app <id>', "the application's ID")
    .requiredOption('--environment <name>', 'e.g. production')
    .option('--name <name>')
    .option('--expires-at <time>', 'an ISO-8601 time')
    .action(async (options, command: Command) => {
      const { client, organization, print } = contextOf(command)
      const key = await (await client()).keys.create(await organization(), options.app, {
        environment: options.environment,
        name: options.name,
        expiresAt: options.expiresAt,
      })
      print.one(key, [...keyColumns.slice(0, 2), ['SECRET', (row) => row.secret], ['ID', (row) => row.id]])
      if (!print.json) process.stderr.write('The secret is shown this once: store it now.\n')
    })
  keys
    .command('revoke')
    .description('Revoke a key: it stops working at once')
    .argument('<key>', "the key's ID")
    .requiredOption('--app <id>', "the application's ID")
    .action(async (key: string, options: { app: string }, command: Command) => {
      const { client, organization, print } = contextOf(command)
      await (await client()).keys.revoke(await organization(), options.app, key)
      print.done(`Revoked key ${key}`, { revoked: key })
    })
}
