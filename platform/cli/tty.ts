/**
 * The local terminal while `slipway run` is attached to a one-off dyno's pseudo-terminal (the
 * pty itself is made on the platform's side: platform/dynos/pty.ts). Like `ssh -t` or
 * `heroku run`: the local terminal goes into raw mode, so every key (Ctrl-C, Ctrl-D, Ctrl-Z,
 * arrows) reaches the remote command as bytes and its pty turns them into signals or EOF;
 * resizes of the local window follow to the remote pty. The terminal is restored however the
 * session ends: the command exits, the platform goes away, or this process gets a signal.
 */
import type { RunSession } from '../api/client';

export interface TerminalSize {
  cols: number;
  rows: number;
}

const positive = (n: unknown) => (typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null);

/** The size of `out` if it is a terminal (and knows it), else $COLUMNS×$LINES, else 80×24. */
export function terminalSize(out: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): TerminalSize {
  const fromTty = out.isTTY ? { cols: positive(out.columns), rows: positive(out.rows) } : { cols: null, rows: null };
  return {
    cols: fromTty.cols ?? positive(Number(env.COLUMNS)) ?? 80,
    rows: fromTty.rows ?? positive(Number(env.LINES)) ?? 24,
  };
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/**
 * Connects the local terminal to `session`: keystrokes go to it (in raw mode when `raw` and
 * stdin is a terminal), window resizes too. Returns the function that undoes all of it; it is
 * also run when this process exits or is signalled (the signal is then raised again, so the
 * process ends as it would have).
 */
export function attachTerminal(session: RunSession, opts: { raw: boolean; stdin?: NodeJS.ReadStream; stdout?: NodeJS.WriteStream }): () => void {
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  const raw = opts.raw && stdin.isTTY;
  let attached = true;

  const onData = (chunk: Buffer) => session.write(chunk);
  const onEnd = () => session.end();
  const onResize = () => session.resize(terminalSize(stdout).cols, terminalSize(stdout).rows);
  const onSignal = (signal: NodeJS.Signals) => {
    detach();
    session.close();
    process.kill(process.pid, signal);
  };
  const handlers = SIGNALS.map((signal) => [signal, () => onSignal(signal)] as const);

  function detach(): void {
    if (!attached) return;
    attached = false;
    stdin.removeListener('data', onData);
    stdin.removeListener('end', onEnd);
    stdout.removeListener('resize', onResize);
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    process.removeListener('exit', detach);
    if (raw) {
      try {
        stdin.setRawMode(false);
      } catch {
        // the terminal is gone (a closed window): nothing to restore
      }
    }
    stdin.pause();
  }

  process.once('exit', detach);
  for (const [signal, handler] of handlers) process.once(signal, handler);
  if (raw) stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.resume();
  if (stdout.isTTY) stdout.on('resize', onResize);
  return detach;
}
