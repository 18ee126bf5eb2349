/**
 * The language server over a real LSP connection: `node dist/language-server.js --stdio`
 * (built by `npm run build`, which `npm test` runs first), driven by a
 * vscode-languageserver-protocol client (lsp-client.ts) as any editor would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { procfileDiagnostics } from '../../extension/language-server/procfile-features';
import { parseProcfile } from '../../platform/shared/procfile';
import { ROOT, tempDir } from '../helpers/tmp';
import { applyEdits, editsOf, LspClient, uriOf } from './lsp-client';

const hoverText = (h: Hover | null): string => (h ? (h.contents as MarkupContent).value : '');
const codes = (ds: { code?: number | string }[]): string[] => ds.map((d) => String(d.code));
const range = (line: number, from: number, to: number) => ({ start: { line, character: from }, end: { line, character: to } });

const BROKEN_PROCFILE = [
  '# a broken Procfile', //           0
  'web: node server.js', //           1  PF201 (no PORT)
  'worker node worker.js', //         2  PF001
  ' my worker: node w.js', //         3  PF002
  'clock:', //                        4  PF003
  'web: node other.js --port $PORT', // 5  PF004
  'Urgent:node urgent.js', //         6  PF101, PF102
  '',
].join('\n');

void describe('the language server over --stdio', () => {
  let client: LspClient;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-ls-'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'app', main: 'server.js', scripts: { start: 'node server.js', build: 'tsc -p .', 'db:migrate': 'node migrate.js' } }, null, 2),
    );
    writeFileSync(join(dir, 'server.js'), 'require("node:http").createServer().listen(process.env.PORT);\n');
    client = await LspClient.start({ rootPath: dir });
  });
  after(async () => {
    await client?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  void test('answers initialize with its capabilities', () => {
    const caps = client.initializeResult.capabilities;
    assert.equal(client.initializeResult.serverInfo?.name, 'slipway-language-server');
    assert.ok(caps.hoverProvider);
    assert.ok(caps.completionProvider);
    assert.ok(caps.codeActionProvider);
    assert.ok(caps.documentSymbolProvider);
    assert.ok(caps.codeLensProvider);
  });

  void test('publishes every Procfile diagnostic of the platform parser, with code, range, severity and source', async () => {
    const uri = await client.open(join(dir, 'Procfile'), BROKEN_PROCFILE, 'procfile');
    const ds = await client.diagnosticsOf(uri);
    assert.deepEqual(codes(ds), ['PF201', 'PF001', 'PF002', 'PF003', 'PF004', 'PF102', 'PF101']);
    // the same as a deploy reports, position for position (lines and columns from 0 in LSP)
    const parsed = parseProcfile(BROKEN_PROCFILE).diagnostics;
    assert.deepEqual(
      ds.map((d) => [d.code, d.range.start.line + 1, d.range.start.character + 1, d.range.end.character + 1, d.message]),
      parsed.map((d) => [d.code, d.line, d.column, d.endColumn, d.message]),
    );
    assert.ok(ds.every((d) => d.source === 'slipway'));
    const severity = Object.fromEntries(ds.map((d) => [String(d.code), d.severity]));
    assert.deepEqual(severity, { PF001: 1, PF002: 1, PF003: 1, PF004: 1, PF101: 2, PF102: 2, PF201: 4 });
    assert.deepEqual(ds.find((d) => d.code === 'PF002')?.range, range(3, 0, 10));
    assert.deepEqual(ds.find((d) => d.code === 'PF101')?.range, range(6, 6, 7));
    assert.match(ds.find((d) => d.code === 'PF004')?.message ?? '', /already declared on line 2/);

    await client.change(uri, 'web: node server.js --port $PORT\n');
    assert.deepEqual(await client.diagnosticsOf(uri), [], 'fixed: the squiggles go');
    await client.close(uri);
    assert.deepEqual((await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0)).diagnostics, []);
  });

  void test('quick fixes: PF002 renames, PF004 removes the duplicate line, PF101 inserts the space', async () => {
    const uri = await client.open(join(dir, 'Procfile'), BROKEN_PROCFILE, 'procfile');
    const ds = await client.diagnosticsOf(uri);
    const fix = async (code: string): Promise<string> => {
      const d = ds.find((x) => x.code === code);
      assert.ok(d, code);
      const actions = await client.codeActions(uri, d.range, [d]);
      const action = actions.find((a) => a.diagnostics?.some((x) => x.code === code));
      assert.ok(action, `a quick fix for ${code} among ${JSON.stringify(actions.map((a) => a.title))}`);
      assert.equal(action.kind, 'quickfix');
      assert.equal(action.isPreferred, true);
      return applyEdits(BROKEN_PROCFILE, editsOf(action, uri));
    };
    const renamed = await fix('PF002');
    assert.equal(renamed.split('\n')[3], 'my-worker: node w.js');
    assert.ok(!codes(parseProcfile(renamed).diagnostics).includes('PF002'));

    const deduped = await fix('PF004');
    assert.deepEqual(deduped.split('\n'), BROKEN_PROCFILE.split('\n').filter((_, i) => i !== 5));
    assert.ok(!codes(parseProcfile(deduped).diagnostics).includes('PF004'));

    const spaced = await fix('PF101');
    assert.equal(spaced.split('\n')[6], 'Urgent: node urgent.js');

    // the last line, without a final newline: the line break before it goes
    const last = 'web: a --port $PORT\nweb: b';
    await client.change(uri, last);
    const [dup] = (await client.diagnosticsOf(uri)).filter((d) => d.code === 'PF004');
    const [remove] = await client.codeActions(uri, dup.range, [dup]);
    assert.equal(applyEdits(last, editsOf(remove, uri)), 'web: a --port $PORT');
    const crlf = 'web: a --port $PORT\r\nweb: b';
    await client.change(uri, crlf);
    const [dupCrlf] = (await client.diagnosticsOf(uri)).filter((d) => d.code === 'PF004');
    const [removeCrlf] = await client.codeActions(uri, dupCrlf.range, [dupCrlf]);
    assert.equal(applyEdits(crlf, editsOf(removeCrlf, uri)), 'web: a --port $PORT', 'CRLF: the whole line break goes');
    // a range without a problem has no fix
    assert.deepEqual(await client.codeActions(uri, range(0, 0, 1), []), []);
    await client.close(uri);
  });

  void test('hover on a process type says what it does', async () => {
    const uri = await client.open(join(dir, 'Procfile'), 'web: node server.js\nrelease: node migrate.js\nmailer: node mail.js\n', 'procfile');
    assert.match(hoverText(await client.hover(uri, { line: 0, character: 1 })), /router's HTTP traffic/);
    assert.match(hoverText(await client.hover(uri, { line: 1, character: 3 })), /runs once per release/);
    assert.match(hoverText(await client.hover(uri, { line: 2, character: 0 })), /background process/);
    assert.equal(await client.hover(uri, { line: 0, character: 8 }), null, 'not on the command');
    await client.close(uri);
  });

  void test('completion: type names at the start of a line, commands from package.json after the colon', async () => {
    const uri = await client.open(join(dir, 'Procfile'), 'web: node server.js\nw\nworker: \n', 'procfile');
    const names = await client.completion(uri, { line: 1, character: 1 });
    assert.deepEqual(
      names.map((i) => i.label),
      ['worker', 'release', 'clock'],
      'web is declared already',
    );
    const worker = names.find((i) => i.label === 'worker');
    assert.deepEqual(worker?.textEdit, { range: range(1, 0, 1), newText: 'worker: ' });

    const commands = await client.completion(uri, { line: 2, character: 8 });
    assert.deepEqual(
      commands.map((i) => i.label),
      ['npm start', 'npm run build', 'npm run db:migrate', 'node server.js'],
    );
    assert.equal(commands[1].detail, 'tsc -p .');
    assert.deepEqual(commands[0].textEdit, { range: range(2, 8, 8), newText: 'npm start' });
    // typing a space inside a command does not pop the list up
    await client.change(uri, 'web: node server.js\nworker: npm \n');
    assert.deepEqual(await client.completion(uri, { line: 1, character: 12 }, ' '), []);
    await client.close(uri);
  });

  void test('document symbols: one per process type', async () => {
    const uri = await client.open(join(dir, 'Procfile'), '# types\nweb: node server.js\n\nworker: node worker.js\nbad line\n', 'procfile');
    const symbols = await client.symbols(uri);
    assert.deepEqual(
      symbols.map((s) => [s.name, s.detail, s.selectionRange]),
      [
        ['web', 'node server.js', range(1, 0, 3)],
        ['worker', 'node worker.js', range(3, 0, 6)],
      ],
    );
    await client.close(uri);
  });

  void test('with a deployment from the editor: dyno states in the hover, a CodeLens over each type', async () => {
    const uri = await client.open(join(dir, 'Procfile'), 'web: node server.js\nworker: node worker.js\nrelease: node migrate.js\n', 'procfile');
    assert.deepEqual(await client.codeLenses(uri), [], 'no lenses while the folder is not deployed');
    const refreshed = client.nextLensRefresh();
    await client.connection.sendNotification('slipway/deployments', {
      deployments: [
        {
          folder: dir,
          app: 'demo',
          release: 3,
          formation: { web: 2, worker: 0 },
          dynos: [
            { name: 'web.1', type: 'web', state: 'up', since: '2026-01-01T10:00:00Z' },
            { name: 'web.2', type: 'web', state: 'crashed', since: '2026-01-01T10:01:00Z', nextRestartAt: '2026-01-01T10:02:00Z' },
          ],
        },
      ],
    });
    await refreshed; // the server asks the editor to re-read the lenses
    const lenses = await client.codeLenses(uri);
    const byLine = (line: number) => lenses.filter((l) => l.range.start.line === line).map((l) => [l.command?.title, l.command?.command, l.command?.arguments]);
    assert.deepEqual(byLine(0), [
      ['web: 1 up, 1 crashed', '', undefined],
      ['Scale', 'slipway.ps.scale', [{ app: 'demo', type: 'web' }]],
      ['Restart', 'slipway.ps.restart', [{ app: 'demo', type: 'web' }]],
      ['Logs', 'slipway.logs.show', [{ app: 'demo', type: 'web' }]],
    ]);
    assert.deepEqual(byLine(1), [
      ['worker: scaled to 0', '', undefined],
      ['Scale', 'slipway.ps.scale', [{ app: 'demo', type: 'worker' }]],
      ['Logs', 'slipway.logs.show', [{ app: 'demo', type: 'worker' }]],
    ]);
    assert.deepEqual(byLine(2), [
      ['release: runs once per release', '', undefined],
      ['Logs', 'slipway.logs.show', [{ app: 'demo', type: 'release' }]],
    ]);
    const hover = hoverText(await client.hover(uri, { line: 0, character: 0 }));
    assert.match(hover, /\*\*demo\*\* v3: web: 1 up, 1 crashed/);
    assert.match(hover, /`web\.1` up/);
    assert.match(hover, /`web\.2` crashed since .*, restarts at /);

    // not deployed (no release yet): no lenses
    await client.connection.sendNotification('slipway/deployments', { deployments: [{ folder: dir, app: 'demo', release: null, formation: {}, dynos: [] }] });
    await client.nextLensRefresh();
    assert.deepEqual(await client.codeLenses(uri), []);
    await client.connection.sendNotification('slipway/deployments', { deployments: [] });
    await client.close(uri);
  });

  void test('.slugignore: SI001 for a ! line, with a quick fix that deletes it', async () => {
    const text = '*.psd\n!keep.psd\n/tmp\n';
    const uri = await client.open(join(dir, '.slugignore'), text, 'slugignore');
    const ds = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'SI001'));
    const si001 = ds.diagnostics.find((d) => d.code === 'SI001');
    assert.ok(si001);
    assert.equal(si001.severity, 1);
    assert.deepEqual(si001.range, range(1, 0, 9));
    const actions = await client.codeActions(uri, si001.range, [si001]);
    const remove = actions.find((a) => a.isPreferred);
    assert.ok(remove, JSON.stringify(actions));
    assert.equal(applyEdits(text, editsOf(remove, uri)), '*.psd\n/tmp\n');
    const escape = actions.find((a) => !a.isPreferred);
    assert.equal(applyEdits(text, editsOf(escape!, uri)), '*.psd\n\\!keep.psd\n/tmp\n');
    await client.close(uri);
  });
});

void describe('.slugignore against the folder\'s files', () => {
  let client: LspClient;
  let app: string;

  before(async () => {
    app = mkdtempSync(join(tmpdir(), 'slipway-ls-app-'));
    mkdirSync(join(app, 'assets'), { recursive: true });
    mkdirSync(join(app, 'docs', 'img'), { recursive: true });
    mkdirSync(join(app, 'node_modules', 'left-pad'), { recursive: true });
    mkdirSync(join(app, '.git'), { recursive: true });
    writeFileSync(join(app, 'Procfile'), 'web: node server.js\n');
    writeFileSync(join(app, 'package.json'), '{"name":"app"}\n');
    writeFileSync(join(app, 'package-lock.json'), '{}\n');
    writeFileSync(join(app, 'server.js'), 'x'.repeat(100));
    writeFileSync(join(app, 'assets', 'a.psd'), 'a'.repeat(1000));
    writeFileSync(join(app, 'assets', 'b.psd'), 'b'.repeat(2000));
    writeFileSync(join(app, 'assets', 'logo.png'), 'p'.repeat(300));
    writeFileSync(join(app, 'docs', 'guide.md'), 'g'.repeat(400));
    writeFileSync(join(app, 'docs', 'img', 'shot.psd'), 's'.repeat(500));
    writeFileSync(join(app, 'node_modules', 'left-pad', 'index.js'), 'n'.repeat(50));
    writeFileSync(join(app, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    client = await LspClient.start({ rootPath: app });
  });
  after(async () => {
    await client?.stop();
    rmSync(app, { recursive: true, force: true });
  });

  void test('SI101 for a pattern that matches nothing, SI102 for one that drops package.json or the lockfile', async () => {
    const text = ['# comments are not patterns', '*.psd', 'nothing-here', '*.json', 'node_modules', '/assets/*.PNG', 'HEAD', ''].join('\n');
    const uri = await client.open(join(app, '.slugignore'), text, 'slugignore');
    const ds = await client.waitForDiagnostics(uri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(
      ds.diagnostics.map((d) => [d.code, d.range.start.line, d.severity]),
      [
        ['SI101', 2, 4],
        ['SI102', 3, 2],
        ['SI102', 3, 2],
        ['SI101', 5, 4], // case-sensitive, as git
        ['SI101', 6, 4], // .git is never part of a slug
      ],
    );
    const si102 = ds.diagnostics.filter((d) => d.code === 'SI102').map((d) => d.message);
    assert.match(si102[0], /^"\*\.json" drops package\.json: /);
    assert.match(si102[1], /^"\*\.json" drops package-lock\.json: .*npm ci/);
    assert.deepEqual(ds.diagnostics[0].tags, [1], 'SI101 is shown faded (unnecessary)');
    assert.deepEqual(ds.diagnostics[0].range, range(2, 0, 12));
    // node_modules IS part of what .slugignore is applied to: that line is not SI101
    await client.close(uri);
  });

  void test('hover: the files and bytes a pattern drops, and what it adds to the lines above', async () => {
    const text = 'assets/\n*.psd\ndocs/img/\n';
    const uri = await client.open(join(app, '.slugignore'), text, 'slugignore');
    const h1 = hoverText(await client.hover(uri, { line: 0, character: 1 }));
    assert.match(h1, /drops \*\*3 files\*\*, \*\*3\.2 KiB\*\* \(1 folder as a whole\), of the folder's 10 files/);
    const h2 = hoverText(await client.hover(uri, { line: 1, character: 0 }));
    assert.match(h2, /drops \*\*3 files\*\*, \*\*3\.4 KiB\*\*/);
    assert.match(h2, /this line alone removes 1 file, 500 B/);
    assert.match(h2, /`docs\/img\/shot\.psd`/);
    const h3 = hoverText(await client.hover(uri, { line: 2, character: 0 }));
    assert.match(h3, /The lines above drop all of them already/);
    assert.equal(await client.hover(uri, { line: 3, character: 0 }), null);
    await client.close(uri);
  });

  void test('follows file events: a new file that a pattern matches clears its SI101, a deleted one brings it back', async () => {
    const uri = await client.open(join(app, '.slugignore'), '*.log\n', 'slugignore');
    await client.waitForDiagnostics(uri, (p) => codes(p.diagnostics).includes('SI101'));
    assert.ok(client.registrations.some((r) => r.method === 'workspace/didChangeWatchedFiles'), 'the server asked the client to watch the folder');
    mkdirSync(join(app, 'logs'));
    writeFileSync(join(app, 'logs', 'today.log'), 'l'.repeat(10));
    await client.fileEvents([{ path: join(app, 'logs'), type: 'created' }]);
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0);
    assert.match(hoverText(await client.hover(uri, { line: 0, character: 0 })), /drops \*\*1 file\*\*, \*\*10 B\*\*/);
    rmSync(join(app, 'logs'), { recursive: true });
    await client.fileEvents([{ path: join(app, 'logs'), type: 'deleted' }]);
    await client.waitForDiagnostics(uri, (p) => codes(p.diagnostics).includes('SI101'));
    // the watcher asked for this folder is withdrawn once its last .slugignore closes
    const watcher = client.registrations.filter((r) => r.method === 'workspace/didChangeWatchedFiles').at(-1);
    assert.deepEqual((watcher?.registerOptions as { watchers: unknown[] }).watchers, [{ globPattern: { baseUri: uriOf(app), pattern: '**/*' } }]);
    const withdrawn = client.nextUnregistration();
    await client.close(uri);
    await withdrawn;
    assert.ok(watcher && client.unregistrations.includes(watcher.id));
  });

  void test('a client that cannot watch files still gets SI101/SI102 from the files at open', async (t) => {
    const plain = await LspClient.start({ rootPath: app, watch: false });
    t.after(() => plain.stop());
    const uri = await plain.open(join(app, '.slugignore'), 'package.json\nnothing-here\n', 'slugignore');
    const ds = await plain.waitForDiagnostics(uri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(codes(ds.diagnostics), ['SI102', 'SI101']);
    assert.deepEqual(plain.registrations, []);
  });
});

void describe('speed (printed, not asserted)', () => {
  void test('diagnostics of a 1,000-line Procfile', async (t) => {
    const dir = tempDir(t, 'slipway-ls-speed-');
    const client = await LspClient.start({ rootPath: dir });
    t.after(() => client.stop());
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) lines.push(i % 10 === 9 ? `type ${i} node x.js` : `type${i}: node worker.js --id ${i}`);
    const text = lines.join('\n');
    // warm up (the first request pays for loading code)
    const warm = await client.open(join(dir, 'Warm', 'Procfile'), 'web: x\n', 'procfile');
    await client.diagnosticsOf(warm);
    const samples: number[] = [];
    const uri = await client.open(join(dir, 'Procfile'), text, 'procfile');
    await client.diagnosticsOf(uri);
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await client.change(uri, `${text}\n# edit ${i}`);
      const ds = await client.diagnosticsOf(uri);
      samples.push(performance.now() - t0);
      assert.equal(ds.filter((d) => d.code === 'PF001').length, 100);
    }
    samples.sort((a, b) => a - b);
    // the server's share: the same computation in this process
    const compute: number[] = [];
    for (let i = 0; i < 30; i++) {
      const doc = TextDocument.create('file:///Procfile', 'procfile', i, `${text}\n# edit ${i}`);
      const c0 = performance.now();
      procfileDiagnostics(doc);
      if (i >= 20) compute.push(performance.now() - c0); // after warming up, as the server is
    }
    compute.sort((a, b) => a - b);
    const line =
      `1,000-line Procfile: diagnostics ${samples[5].toFixed(1)} ms median, ${samples[9].toFixed(1)} ms max (edit → publishDiagnostics, round trip over --stdio; target 20 ms); ` +
      `computing them ${compute[5].toFixed(1)} ms median`;
    t.diagnostic(line);
    console.log(line);
  });

  void test('.slugignore hover in a 20,000-file folder', async (t) => {
    const dir = join(tempDir(t, 'slipway-ls-tree-'), 'app');
    const made = spawnSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'make-tree.js'), dir, '--files', '20000', '--mb', '10'], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const client = await LspClient.start({ rootPath: dir });
    t.after(() => client.stop());
    const text = ['*.psd', 'vendor/pkg1*/', '*.map', 'public/assets/', '**/lib/*.js', 'no-such-thing', ''].join('\n');
    const t0 = performance.now();
    const uri = await client.open(join(dir, '.slugignore'), text, 'slugignore');
    await client.waitForDiagnostics(uri, (p) => codes(p.diagnostics).includes('SI101'));
    const firstDiagnostics = performance.now() - t0;
    const report: string[] = [];
    for (const [line, label] of [[4, '**/lib/*.js (drops a third of the files)'], [1, 'vendor/pkg1*/ (drops 111 folders)'], [5, 'no-such-thing (matches nothing)']] as const) {
      const samples: number[] = [];
      let text = '';
      for (let i = 0; i < 5; i++) {
        const h0 = performance.now();
        text = hoverText(await client.hover(uri, { line, character: 0 }));
        samples.push(performance.now() - h0);
      }
      assert.ok(text.length > 0);
      report.push(`${label}: first ${samples[0].toFixed(1)} ms after the diagnostics, then ${Math.min(...samples.slice(1)).toFixed(1)} ms`);
    }
    // the worst case: a line just typed (a new matcher, cold), hovered before its diagnostics
    await client.change(uri, `${text}**/dist/*.js\n`);
    const c0 = performance.now();
    const typed = hoverText(await client.hover(uri, { line: 6, character: 0 }));
    report.push(`**/dist/*.js just typed, hovered at once (its first walk, a cold matcher): ${(performance.now() - c0).toFixed(1)} ms`);
    assert.match(typed, /drops \*\*13,\d{3} files\*\*/);
    const lines = [
      `20,000-file folder: walk + first diagnostics ${firstDiagnostics.toFixed(0)} ms; hover (target 200 ms):`,
      ...report.map((r) => `  ${r}`),
    ];
    for (const l of lines) {
      t.diagnostic(l);
      console.log(l);
    }
  });
});
