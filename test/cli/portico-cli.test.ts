// The `portico` command line, spawned as a user would run it, against a real Portico listening on a
// loopback port (one per database): the session kept with 0600, tables and --json, the commands of
// each resource, the audit export to a file, and the exit codes scripts rely on. The operator's
// commands run on the PostgreSQL test database (the PGlite one lives inside this test's process).
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPortico, type Portico } from '../../packages/sdk/src/index.ts'
import { databases } from '../helpers/databases.ts'
import { PASSWORD, uniqueEmail } from '../helpers/http.ts'
import { addMember } from '../helpers/organizations.ts'
import { startTestPortico, type TestPortico } from '../helpers/test-portico.ts'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

describe.each(databases)('the portico command line against Portico on %s', (databaseName) => {
  let portico: TestPortico
  let baseUrl: string
  let configHome: string
  let ownerEmail: string
  let owner: Portico

  const cli = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) =>
    new Promise<Run>((resolve) => {
      const child = execFile(
        process.execPath,
        ['src/cli/portico.ts', ...args],
        {
          env: {
            PATH: process.env.PATH,
            HOME: configHome,
            XDG_CONFIG_HOME: join(configHome, 'config'),
            LOG_LEVEL: 'silent',
            ...options.env,
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      )
      child.stdin?.end(options.stdin ?? '')
    })
  const json = async (args: string[]) => {
    const run = await cli([...args, '--json'])
    if (run.code !== 0) throw new Error(`portico ${args.join(' ')}: ${run.code} ${run.stderr}`)
    try {
      return JSON.parse(run.stdout)
    } catch {
      throw new Error(`portico ${args.join(' ')} printed: ${run.stdout}`)
    }
  }

  beforeAll(async () => {
    portico = await startTestPortico(databaseName, {
      env: { ORG_CREATION_LIMIT: '0', WEBHOOK_ALLOW_PRIVATE: 'on' },
    })
    await portico.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(portico.app.server.address() as { port: number }).port}`
    configHome = mkdtempSync(join(tmpdir(), 'portico-cli-'))
    ownerEmail = uniqueEmail('cli-owner')
    const signedUp = await createPortico({ baseUrl }).auth.signUp({
      email: ownerEmail,
      password: PASSWORD,
      name: 'Clara Cli',
    })
    owner = createPortico({ baseUrl, token: signedUp.token })
  })
  afterAll(async () => {
    await portico?.close()
    if (configHome) rmSync(configHome, { recursive: true, force: true })
  })

  it('answers --help on every command, and exit code 2 for wrong usage, 3 before signing in', async () => {
    const help = await cli(['members', 'invite', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: portico members invite [options] <email>')
    expect(help.stdout).toContain('--role <roles>')
    expect((await cli(['keys', 'create', '--help'])).stdout).toContain('--environment <name>')
    const unknown = await cli(['orgs', 'lis'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("error: unknown command 'lis'")
    const missing = await cli(['members', 'invite', 'x@example.com'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("required option '--role <roles>' not specified")
    const signedOut = await cli(['whoami'])
    expect(signedOut).toEqual({
      code: 3,
      stdout: '',
      stderr: 'portico: not signed in: run `portico login` first\n',
    })
  })

  it('signs in, keeps the token in a file only its owner may read, and says who is signed in', async () => {
    const wrong = await cli(['login', '--url', baseUrl, '--email', ownerEmail, '--password-stdin'], {
      stdin: 'not the password\n',
    })
    expect(wrong.code).toBe(3)
    expect(wrong.stderr).toContain('invalid_credentials')

    const login = await cli(['login', '--url', baseUrl, '--email', ownerEmail, '--password-stdin'], {
      stdin: `${PASSWORD}\n`,
    })
    expect(login.stderr).toBe('')
    expect(login.code).toBe(0)
    const file = join(configHome, 'config', 'portico', 'session.json')
    expect(login.stdout).toBe(
      `Signed in to ${baseUrl} as Clara Cli <${ownerEmail}> (session kept in ${file})\n`,
    )
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const stored = JSON.parse(readFileSync(file, 'utf8'))
    expect(stored).toEqual({ url: baseUrl, token: expect.any(String) })
    expect((await createPortico({ baseUrl, token: stored.token }).me.get()).user.email).toBe(ownerEmail)

    const whoami = await cli(['whoami'])
    expect(whoami.code).toBe(0)
    expect(whoami.stdout.split('\n')[0]).toMatch(/^NAME\s+EMAIL\s+VERIFIED\s+ORGANIZATION\s+ROLES$/)
    expect(whoami.stdout.split('\n')[1]).toMatch(new RegExp(`^Clara Cli\\s+${ownerEmail}\\s+no\\s+–\\s+–$`))
  })

  it('creates, lists and switches organizations; a refusal is exit code 1 with the reason', async () => {
    const handle = `cli-corp-${databaseName}`
    const created = await json(['orgs', 'create', 'CLI Corp', '--handle', handle])
    expect(created).toMatchObject({ handle, name: 'CLI Corp', roles: ['owner'] })
    const taken = await cli(['orgs', 'create', 'Again', '--handle', handle])
    expect(taken.code).toBe(1)
    expect(taken.stderr).toMatch(/^portico: .+ \(409 handle_taken\)\n$/)

    const switched = await cli(['orgs', 'switch', handle])
    expect(switched.code).toBe(0)
    const table = (await cli(['orgs', 'list'])).stdout.split('\n')
    expect(table[0]).toMatch(/^\s+HANDLE\s+NAME\s+ROLES\s+ID$/)
    expect(table[1]).toMatch(new RegExp(`^\\*\\s+${handle}\\s+CLI Corp\\s+owner\\s+${created.id}$`))
    const { token } = JSON.parse(readFileSync(join(configHome, 'config', 'portico', 'session.json'), 'utf8'))
    expect((await createPortico({ baseUrl, token }).me.get()).activeOrganizationId).toBe(created.id)
  })

  it('invites, resends and revokes; changes roles and removes members', async () => {
    const invited = await json(['members', 'invite', 'ivy@example.com', '--role', 'admin'])
    expect(invited).toMatchObject({ email: 'ivy@example.com', roles: ['admin'], status: 'pending' })
    const resent = await json(['invitations', 'resend', invited.id])
    expect(resent.expiresAt >= invited.expiresAt).toBe(true)
    expect((await cli(['invitations', 'revoke', invited.id])).stdout).toBe(
      `Revoked invitation ${invited.id}\n`,
    )
    expect(
      (await json(['invitations', 'list', '--status', 'revoked'])).map((i: { id: string }) => i.id),
    ).toEqual([invited.id])

    // A second member (put in directly: invitations are tested in test/http/invitations.test.ts).
    const organization = await owner.organizations.get(`cli-corp-${databaseName}`)
    const { email } = await addMember(portico, organization.id, ['member'], 'Mo Member')
    const promoted = await json(['members', 'set-roles', email, 'admin', 'api-publisher'])
    expect(promoted).toMatchObject({ email, roles: ['admin', 'api-publisher'] })
    const listed = (await cli(['members', 'list', '--q', 'Mo'])).stdout.split('\n')
    expect(listed[1]).toMatch(new RegExp(`^Mo Member\\s+${email}\\s+admin, api-publisher\\s+`))
    expect((await cli(['members', 'remove', email])).stdout).toBe(`Removed ${email}\n`)
    expect((await json(['members', 'list'])).map((m: { email: string }) => m.email)).toEqual([ownerEmail])
  })

  it('publishes an API, subscribes an application, prints a key’s secret once', async () => {
    const api = await json([
      'apis',
      'create',
      '--name',
      'Payments',
      '--api-version',
      'v1',
      '--base-path',
      '/payments',
    ])
    expect((await json(['apis', 'publish', api.id])).status).toBe('published')
    const app = await json(['apps', 'create', 'Checkout', '--description', 'the shop'])
    expect(await json(['apps', 'subscribe', app.id, '--api', api.id])).toMatchObject({
      apiId: api.id,
      plan: 'default',
    })

    const created = await cli([
      'keys',
      'create',
      '--app',
      app.id,
      '--environment',
      'production',
      '--name',
      'server',
    ])
    expect(created.code).toBe(0)
    expect(created.stderr).toBe('The secret is shown this once: store it now.\n')
    const [header, row] = created.stdout.split('\n')
    expect(header).toMatch(/^NAME\s+ENVIRONMENT\s+SECRET\s+ID$/)
    const secret = row?.split(/\s+/)[2] ?? ''
    expect(secret).toMatch(/^portico_production_/)
    const keys = await cli(['keys', 'list', '--app', app.id])
    expect(keys.stdout).not.toContain(secret)
    expect(keys.stdout).toContain(`${secret.slice(0, 20)}`)
    const keyId = row?.split(/\s+/)[3] ?? ''
    expect((await cli(['keys', 'revoke', keyId, '--app', app.id])).code).toBe(0)
    expect(await json(['keys', 'list', '--app', app.id])).toEqual([])
  })

  it('exports the audit log to a file, and lists and tests webhooks', async () => {
    const output = join(configHome, 'audit.ndjson')
    const exported = await json(['audit', 'export', '--output', output])
    const lines = readFileSync(output, 'utf8').trimEnd().split('\n')
    expect(exported).toEqual({ file: output, events: lines.length })
    const chain = await owner.audit.verify(`cli-corp-${databaseName}`)
    expect(lines.length).toBe('count' in chain ? chain.count : -1)
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ seq: 1, type: 'organization.created' })

    const webhook = await owner.webhooks.create(`cli-corp-${databaseName}`, {
      url: 'http://127.0.0.1:9/hook',
      events: ['member.*'],
    })
    const listed = (await cli(['webhooks', 'list'])).stdout.split('\n')
    expect(listed[1]).toMatch(new RegExp(`^http://127.0.0.1:9/hook\\s+member\\.\\*\\s+yes\\s+${webhook.id}$`))
    expect(await cli(['webhooks', 'test', webhook.id])).toEqual({
      code: 0,
      stdout: `Sent a webhook.test event to ${webhook.id}\n`,
      stderr: '',
    })
  })

  it.runIf(databaseName === 'postgres')(
    'migrates and seeds the configured database as an operator',
    async () => {
      const env = { DATABASE_URL: portico.database.url ?? '' }
      expect(await cli(['migrate'], { env })).toEqual({
        code: 0,
        stdout: 'the database is up to date\n',
        stderr: '',
      })
      const sizes = [
        '--users',
        '3',
        '--orgs',
        '1',
        '--members-per-org',
        '2',
        '--big-org',
        '2',
        '--audit-events',
        '3',
      ]
      const seeded = await cli(['seed', ...sizes], { env })
      expect(seeded.stderr).toBe('')
      expect(seeded.code).toBe(0)
      const token = seeded.stdout.match(/^seed: session token of seed-user-1@seed.test: (\S+)$/m)?.[1] ?? ''
      expect((await createPortico({ baseUrl, token }).me.get()).user.email).toBe('seed-user-1@seed.test')
      expect((await cli(['seed', '--users', 'many'], { env })).code).toBe(2)
    },
  )

  it('signs out: the token stops working and the file is gone', async () => {
    const file = join(configHome, 'config', 'portico', 'session.json')
    const { token } = JSON.parse(readFileSync(file, 'utf8'))
    expect(await cli(['logout'])).toEqual({ code: 0, stdout: 'Signed out\n', stderr: '' })
    await expect(createPortico({ baseUrl, token }).me.get()).rejects.toMatchObject({ status: 401 })
    expect((await cli(['whoami'])).code).toBe(3)
  })
})
