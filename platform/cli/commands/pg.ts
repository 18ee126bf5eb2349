/** pg:info, pg:psql, pg:reset, pg:backups* (PostgreSQL add-ons; the local psql for pg:psql) */
import { spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Backup } from '../../api/schemas';
import type { Command } from '../command';
import { CliError } from '../errors';
import { age, columns } from '../format';
import { confirmValue } from './addons';

/** Debian's psql: the newest /usr/lib/postgresql/N/bin/psql, else psql on PATH. */
function psqlBin(): string {
  try {
    for (const v of readdirSync('/usr/lib/postgresql').filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a))) {
      const file = `/usr/lib/postgresql/${v}/bin/psql`;
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // the next version
      }
    }
  } catch {
    // not Debian's layout
  }
  return 'psql';
}

/** Runs a local client with the terminal (or the pipes) of this process; resolves its status. */
export function runClient(file: string, args: string[], env: NodeJS.ProcessEnv, missing: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, { stdio: 'inherit', env });
    child.once('error', (err) => fail((err as NodeJS.ErrnoException).code === 'ENOENT' ? new CliError('client_missing', missing) : err));
    child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

const bytes = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} kB` : `${n} B`);

export function backupRows(backups: Backup[]): string {
  return columns([['ID', 'Created', 'Status', 'Size', 'Database', 'Reason'], ...backups.map((b) => [b.id, `${b.createdAt} (${age(b.createdAt)})`, b.status, bytes(b.bytes), b.addon, b.reason])]);
}

export const pgCommands: Command[] = [
  {
    name: 'pg:info',
    usage: 'pg:info [-a APP]',
    summary: 'the PostgreSQL add-ons: tables, size, version',
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const infos = await client.pgInfo(app);
      const human = infos.map((i) => `=== ${i.configVar} (${i.name})\n${columns([['Plan:', i.plan], ['Status:', i.state], ['PG Version:', i.version], ['Tables:', String(i.tables)], ['Data Size:', bytes(i.bytes)], ['Created:', i.createdAt]])}`).join('\n\n');
      inv.print(infos, human);
    },
  },
  {
    name: 'pg:psql',
    usage: 'pg:psql [DATABASE] [-c SQL] [-a APP]',
    summary: 'psql on the database (interactive on a terminal; -c runs one command)',
    args: [0, 1],
    options: { command: { type: 'string', short: 'c' } },
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const { addon, url } = await client.pgCredentials(app, inv.positionals[0]);
      const sql = typeof inv.values.command === 'string' ? inv.values.command : undefined;
      if (sql === undefined && !process.stdin.isTTY) inv.progress(`--> Reading SQL from stdin for ${addon.attachment} (${addon.name})\n`);
      else if (sql === undefined) inv.progress(`--> Connecting to ${addon.attachment} (${addon.name})\n`);
      const args = [...(sql === undefined ? [] : ['-v', 'ON_ERROR_STOP=1', '-c', sql]), url];
      return runClient(psqlBin(), args, process.env, 'psql is not installed; install the Debian package: apt-get install postgresql-client');
    },
  },
  {
    name: 'pg:reset',
    usage: 'pg:reset [DATABASE] --confirm APP [-a APP]',
    summary: 'delete every table and row of the database',
    args: [0, 1],
    options: { confirm: { type: 'string' } },
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const addon = await client.pgReset(app, inv.positionals[0], confirmValue(inv));
      inv.print(addon, `Reset ${addon.attachment} (${addon.name}): it is empty`);
    },
  },
  {
    name: 'pg:backups',
    usage: 'pg:backups [-a APP]',
    summary: 'the backups (b001…)',
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const backups = await client.backups(app);
      inv.print(backups, backups.length ? `=== ${app} Backups\n${backupRows(backups)}` : `${app} has no backups. Capture one with: slipway pg:backups:capture -a ${app}`);
    },
  },
  {
    name: 'pg:backups:capture',
    usage: 'pg:backups:capture [DATABASE] [-a APP]',
    summary: 'a pg_dump -Fc backup of the database',
    args: [0, 1],
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      inv.progress(`Capturing a backup of ${inv.positionals[0] ?? 'DATABASE'} on ${app}... `);
      const b = await client.captureBackup(app, inv.positionals[0]);
      inv.progress('done\n');
      inv.print(b, `Backup ${b.id} of ${b.addon}: ${bytes(b.bytes)}\nRestore it with: slipway pg:backups:restore ${b.id} --confirm ${app} -a ${app}`);
    },
  },
  {
    name: 'pg:backups:restore',
    usage: 'pg:backups:restore [BACKUP] [DATABASE] --confirm APP [-a APP]',
    summary: "replace the database's data with a backup (default the newest)",
    args: [0, 2],
    options: { confirm: { type: 'string' } },
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const [backup, addon] = inv.positionals;
      const r = await client.restoreBackup(app, { ...(backup ? { backup } : {}), ...(addon ? { addon } : {}), ...(confirmValue(inv) !== undefined ? { confirm: confirmValue(inv) } : {}) });
      inv.print(r, `Restored ${r.restored} into ${r.addon}`);
    },
  },
  {
    name: 'pg:backups:download',
    usage: 'pg:backups:download [BACKUP] [-o FILE] [-a APP]',
    summary: 'save a backup (a pg_restore-able file; default latest.dump)',
    args: [0, 1],
    options: { output: { type: 'string', short: 'o' } },
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const file = resolve(typeof inv.values.output === 'string' ? inv.values.output : 'latest.dump');
      const { id, body } = await client.downloadBackup(app, inv.positionals[0]);
      await pipeline(body, createWriteStream(file));
      inv.print({ backup: id, file }, `Saved ${id} to ${file} (restore it elsewhere with: pg_restore -d URL ${file})`);
    },
  },
  {
    name: 'pg:backups:delete',
    usage: 'pg:backups:delete BACKUP --confirm APP [-a APP]',
    summary: 'delete a backup',
    args: [1, 1],
    options: { confirm: { type: 'string' } },
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const b = await client.deleteBackup(app, inv.positionals[0], confirmValue(inv));
      inv.print(b, `Deleted ${b.id}`);
    },
  },
];
