/** ps, ps:scale, ps:restart, ps:stop, run */
import type { Dyno, Formation } from '../../api/schemas';
import type { ScaleChange } from '../../api/client';
import type { Command } from '../command';
import { CliError, UsageError } from '../errors';
import { age, columns } from '../format';
import { attachTerminal, terminalSize } from '../tty';

/** `web=3`, `worker+1`, `web-2` (a type name may itself contain dashes: the last operator wins). */
export function parseScaleArg(arg: string): ScaleChange {
  const m = /^(.+)([=+-])(\d{1,3})$/.exec(arg);
  if (!m) throw new CliError('invalid_scale', `"${arg}" is not a scale change; write TYPE=N, TYPE+N or TYPE-N (for example web=3)`);
  return { type: m[1], op: m[2] as ScaleChange['op'], count: Number(m[3]) };
}

const formationText = (f: Formation) => Object.entries(f).map(([t, n]) => `${t}=${n}`).join(' ') || '(no process types)';

function state(d: Dyno): string {
  if (d.state === 'crashed' && d.nextRestartAt) {
    const s = Math.max(0, Math.round((Date.parse(d.nextRestartAt) - Date.now()) / 1000));
    return `crashed (restart in ${s}s)`;
  }
  return d.state;
}

export function psText(app: string, dynos: Dyno[]): string {
  if (dynos.length === 0) return `${app} has no dynos running. Scale one with: slipway ps:scale web=1 -a ${app}`;
  const byType = new Map<string, Dyno[]>();
  for (const d of dynos) byType.set(d.type, [...(byType.get(d.type) ?? []), d]);
  const out: string[] = [];
  for (const [type, list] of byType) {
    out.push(`=== ${type} (${list.length}): ${list[0].command}`);
    out.push(columns(list.map((d) => [`${d.name}:`, state(d), age(d.since), `v${d.release}`, d.restarts ? `restarts=${d.restarts}` : '', d.port ? `port=${d.port}` : ''])));
    out.push('');
  }
  if (!dynos[0].sandboxed) out.push('(dynos run without a sandbox: bubblewrap is not available here)');
  return out.join('\n').trimEnd();
}

export const psCommands: Command[] = [
  {
    name: 'ps',
    usage: 'ps [-a APP]',
    summary: 'dynos and their state',
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const dynos = await client.dynos(app);
      inv.print(dynos, psText(app, dynos));
    },
  },
  {
    name: 'ps:scale',
    usage: 'ps:scale [TYPE=N|TYPE+N|TYPE-N …] [-a APP]',
    summary: 'scale process types; no arguments prints the formation',
    args: [0, Infinity],
    async run(inv) {
      const app = inv.app();
      const changes = inv.positionals.map(parseScaleArg);
      const client = await inv.client();
      if (changes.length === 0) {
        const f = await client.formation(app);
        inv.print(f, formationText(f));
        return;
      }
      inv.progress(`Scaling dynos... `);
      const f = await client.scale(app, changes);
      inv.progress('done\n');
      inv.print(f, `${app} is now ${formationText(f)}`);
    },
  },
  {
    name: 'ps:restart',
    usage: 'ps:restart [TYPE|DYNO] [-a APP]',
    summary: 'restart dynos (all, one type, or one dyno)',
    args: [0, 1],
    async run(inv) {
      const app = inv.app();
      const target = inv.positionals[0];
      const client = await inv.client();
      const dynos = await client.restart(app, target);
      inv.print(dynos, `Restarting ${target ?? 'all'} dynos of ${app}... done (${dynos.map((d) => d.name).join(', ') || 'none'})`);
    },
  },
  {
    name: 'ps:stop',
    usage: 'ps:stop DYNO [-a APP]',
    summary: 'stop a dyno (a formation dyno restarts; to keep it down, scale)',
    args: [1, 1],
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const dynos = await client.stopDyno(app, inv.positionals[0]);
      inv.print(dynos, `Stopping ${inv.positionals[0]} of ${app}... done`);
    },
  },
  {
    name: 'run',
    usage: 'run [-a APP] [--tty|--no-tty] -- CMD …',
    summary: "one-off dyno attached to the terminal; exits with the command's status",
    options: { tty: { type: 'boolean' }, 'no-tty': { type: 'boolean' } },
    args: [0, Infinity],
    async run(inv) {
      const app = inv.app();
      const command = inv.positionals.join(' ');
      if (!command.trim()) throw new CliError('command_missing', 'give a command to run, like: slipway run -a APP -- node -v');
      if (inv.values.tty && inv.values['no-tty']) throw new UsageError('run: give --tty or --no-tty, not both', 'run [-a APP] [--tty|--no-tty] -- CMD …');
      const tty = inv.values['no-tty'] ? false : inv.values.tty === true || Boolean(process.stdin.isTTY && process.stdout.isTTY);
      const client = await inv.client();
      const onStdout = (b: Buffer) => void process.stdout.write(b);
      const onStderr = (b: Buffer) => void process.stderr.write(b);
      if (!tty) {
        return client.run(app, command, {
          stdin: process.stdin.isTTY ? undefined : process.stdin,
          onStart: (dyno) => inv.progress(`Running ${command} on ${app}... up, ${dyno}\n`),
          onStdout,
          onStderr,
        });
      }
      // A pseudo-terminal: the local terminal is attached (raw) once the dyno runs, and
      // restored when the session ends, whichever way it ends.
      let detach = () => {};
      const session = client.runTty(app, command, { ...terminalSize(process.stdout), term: process.env.TERM }, {
        onStart: (dyno, remoteTty) => {
          // Raw first: a key typed after this line reaches the dyno, never the local terminal.
          detach = attachTerminal(session, { raw: remoteTty });
          inv.progress(`Running ${command} on ${app}... up, ${dyno}\n`);
          if (!remoteTty) inv.progress('(the platform cannot make a pseudo-terminal here: the command runs with pipes)\n');
        },
        onStdout,
        onStderr,
      });
      try {
        return await session.exit;
      } finally {
        detach();
      }
    },
  },
];
