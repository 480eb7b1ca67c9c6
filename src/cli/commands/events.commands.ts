// audit export, webhooks list|test: the organization's events.

import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { SingleBar } from 'cli-progress'
import type { Command } from 'commander'
import { all } from '../../../packages/sdk/src/index.ts'
import { contextOf } from '../command-context.ts'
import { UsageError } from '../output.ts'

/** A progress bar on stderr (drawn only on a terminal, so pipes and files stay clean). */
export function progressBar(label: string): SingleBar {
  return new SingleBar({
    format: `${label} [{bar}] {percentage}% {value}/{total}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
  })
}

export function registerEventCommands(program: Command) {
  const audit = program.command('audit').description("The organization's audit log")
  audit
    .command('export')
    .description('Write the audit log to a file, oldest first (NDJSON or CSV), with a progress bar')
    .requiredOption('--output <file>', 'the file to write')
    .option('--format <format>', 'ndjson or csv', 'ndjson')
    .option('--since <time>', 'from this ISO-8601 time (inclusive)')
    .option('--until <time>', 'to this ISO-8601 time (exclusive)')
    .action(async (options, command: Command) => {
      const { client, organization, print } = contextOf(command)
      if (options.format !== 'ndjson' && options.format !== 'csv')
        throw new UsageError('--format is ndjson or csv')
      const portico = await client()
      const org = await organization()
      // The chain's length bounds the export: the bar's total (the dates may take fewer).
      const chain = await portico.audit.verify(org)
      const bar = progressBar('audit events')
      const file = createWriteStream(options.output)
      let events = 0
      bar.start('count' in chain ? chain.count : 0, 0)
      try {
        let header = options.format === 'csv'
        for await (const line of portico.audit.export(org, {
          format: options.format,
          since: options.since,
          until: options.until,
        })) {
          if (!file.write(`${line}\n`)) await once(file, 'drain')
          if (header) header = false
          else bar.update(++events)
        }
      } finally {
        bar.setTotal(events)
        bar.stop()
        file.end()
        await once(file, 'close')
      }
      print.done(`Wrote ${events} audit events to ${options.output}`, { file: options.output, events })
    })

  const webhooks = program.command('webhooks').description("The organization's webhook endpoints")
  webhooks
    .command('list')
    .description('Webhook endpoints and the events they take')
    .action(async (_options, command: Command) => {
      const { client, organization, print } = contextOf(command)
      print.list(await all((await client()).webhooks.list(await organization())), [
        ['URL', (row) => row.url],
        ['EVENTS', (row) => row.events],
        ['ENABLED', (row) => (row.enabled ? 'yes' : `no: ${row.disabledReason ?? ''}`)],
        ['ID', (row) => row.id],
      ])
    })
  webhooks
    .command('test')
    .description('Send a webhook.test event to one endpoint')
    .argument('<id>', "the endpoint's ID")
    .action(async (id: string, _options, command: Command) => {
      const { client, organization, print } = contextOf(command)
      await (await client()).webhooks.test(await organization(), id)
      print.done(`Sent a webhook.test event to ${id}`, { sent: id })
    })
}
