import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PROCESS_NAME,
  formatDiagnostic,
  hasErrors,
  parseProcfile,
  type Diagnostic,
} from '../../platform/shared/procfile';

/** The diagnostics without their messages: position, severity and code. */
function where(diagnostics: Diagnostic[]): Omit<Diagnostic, 'message'>[] {
  return diagnostics.map(({ message: _message, ...rest }) => rest);
}

function only(text: string): Diagnostic {
  const { diagnostics } = parseProcfile(text);
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics, null, 2));
  return diagnostics[0];
}

void test('a plain Procfile: processes in order, no diagnostics', () => {
  const p = parseProcfile('web: node server.js --port $PORT\nworker: node worker.js\nrelease: node migrate.js\n');
  assert.deepEqual(p.processes, [
    { type: 'web', command: 'node server.js --port $PORT', line: 1 },
    { type: 'worker', command: 'node worker.js', line: 2 },
    { type: 'release', command: 'node migrate.js', line: 3 },
  ]);
  assert.deepEqual(p.diagnostics, []);
  assert.equal(hasErrors(p), false);
});

void test('empty text, blank lines and comments declare nothing', () => {
  assert.deepEqual(parseProcfile(''), { processes: [], diagnostics: [] });
  const p = parseProcfile('\n  \n\t\n# web: not this\n   # nor this: x\nworker: run\n\n');
  assert.deepEqual(p.processes, [{ type: 'worker', command: 'run', line: 6 }]);
  assert.deepEqual(p.diagnostics, []);
});

void test('CRLF line ends, a missing final newline and a byte order mark are fine', () => {
  const p = parseProcfile('\uFEFFweb: npm start -- --port $PORT\r\n# c\r\n\r\nworker: node w.js');
  assert.deepEqual(p.processes, [
    { type: 'web', command: 'npm start -- --port $PORT', line: 1 },
    { type: 'worker', command: 'node w.js', line: 4 },
  ]);
  assert.deepEqual(p.diagnostics, []);
  // no \r leaks into a command or a column
  const crlf = parseProcfile('worker:\r\n');
  assert.deepEqual(where(crlf.diagnostics), [
    { line: 1, column: 7, endLine: 1, endColumn: 8, severity: 'error', code: 'PF003' },
  ]);
});

void test('the command is everything after the first colon, trimmed, colons included', () => {
  const p = parseProcfile('clock:   node -e "setInterval(() => console.log(\'t:\'), 1000)"  \nworker: a:b:c\n');
  assert.deepEqual(p.processes, [
    { type: 'clock', command: 'node -e "setInterval(() => console.log(\'t:\'), 1000)"', line: 1 },
    { type: 'worker', command: 'a:b:c', line: 2 },
  ]);
  assert.deepEqual(p.diagnostics, []);
  // a tab after the colon counts as a space
  assert.deepEqual(parseProcfile('worker:\trun\n').diagnostics, []);
});

void test('PF001: a line with no colon is an error at the line text', () => {
  const p = parseProcfile('web: node s.js $PORT\n  node worker.js  \n');
  assert.deepEqual(where(p.diagnostics), [
    { line: 2, column: 3, endLine: 2, endColumn: 17, severity: 'error', code: 'PF001' },
  ]);
  assert.match(p.diagnostics[0].message, /no colon/);
  assert.match(p.diagnostics[0].message, /fix: .*NAME: COMMAND/);
  assert.deepEqual(p.processes.map((e) => e.type), ['web']);
  assert.equal(hasErrors(p), true);
});

void test('PF002: invalid names, surrounding spaces included, at the name', () => {
  const cases: [string, number, number, RegExp][] = [
    [' web: npm start', 1, 5, /spaces around it/],
    ['web : npm start', 1, 5, /spaces around it/],
    ['my.app: run', 1, 7, /contains "\."/],
    ['wörker: run', 1, 7, /contains "ö"/],
    [`${'a'.repeat(129)}: run`, 1, 130, /129 characters long, the limit is 128/],
    [': run', 1, 2, /put a name before it/],
  ];
  for (const [text, column, endColumn, reason] of cases) {
    const d = only(text);
    assert.equal(d.code, 'PF002', text);
    assert.equal(d.severity, 'error', text);
    assert.deepEqual([d.line, d.column, d.endLine, d.endColumn], [1, column, 1, endColumn], text);
    assert.match(d.message, /invalid process type name/, text);
    assert.match(d.message, reason, text);
    assert.match(d.message, /fix: /, text);
    assert.deepEqual(parseProcfile(text).processes, [], text);
  }
  assert.match(only(' web: npm start').message, /fix: write "web: COMMAND"/);
  // the limit itself is fine (a warning only: not a DNS label)
  assert.equal(only(`${'a'.repeat(128)}: run`).code, 'PF102');
});

void test('PROCESS_NAME is the Heroku name rule, anchored', () => {
  for (const ok of ['web', 'Worker_2', 'a-b', '_', '-', 'a'.repeat(128)]) assert.ok(PROCESS_NAME.test(ok), ok);
  for (const bad of ['', ' web', 'web ', 'a.b', 'a b', 'a'.repeat(129), 'wörker', 'a\n']) assert.ok(!PROCESS_NAME.test(bad), bad);
});

void test('PF003: an empty command, from the colon to the end of the line', () => {
  const p = parseProcfile('worker:   \nweb: node s.js $PORT\n');
  assert.deepEqual(where(p.diagnostics), [
    { line: 1, column: 7, endLine: 1, endColumn: 8, severity: 'error', code: 'PF003' },
  ]);
  assert.match(p.diagnostics[0].message, /"worker" has an empty command/);
  assert.match(p.diagnostics[0].message, /fix: /);
  assert.deepEqual(p.processes.map((e) => e.type), ['web']);
});

void test('a line may have several errors; none of its processes are kept', () => {
  const p = parseProcfile('my app:\n');
  assert.deepEqual(where(p.diagnostics), [
    { line: 1, column: 1, endLine: 1, endColumn: 7, severity: 'error', code: 'PF002' },
    { line: 1, column: 7, endLine: 1, endColumn: 8, severity: 'error', code: 'PF003' },
  ]);
  assert.deepEqual(p.processes, []);
});

void test('PF004: a duplicate name; the later line is the error and is not kept', () => {
  const p = parseProcfile('worker: a\nweb: node s.js $PORT\nworker: b\nworker: c\n');
  assert.deepEqual(p.processes, [
    { type: 'worker', command: 'a', line: 1 },
    { type: 'web', command: 'node s.js $PORT', line: 2 },
  ]);
  assert.deepEqual(where(p.diagnostics), [
    { line: 3, column: 1, endLine: 3, endColumn: 7, severity: 'error', code: 'PF004' },
    { line: 4, column: 1, endLine: 4, endColumn: 7, severity: 'error', code: 'PF004' },
  ]);
  assert.match(p.diagnostics[0].message, /duplicate process type "worker": it is already declared on line 1/);
  assert.match(p.diagnostics[0].message, /fix: /);
  // names are case-sensitive, as the Heroku API's are
  assert.equal(parseProcfile('worker: a\nWorker: b\n').processes.length, 2);
});

void test('PF004 counts the first declaration even when that line has another error', () => {
  const p = parseProcfile('worker:\nworker: run\n');
  assert.deepEqual(where(p.diagnostics).map((d) => [d.line, d.code]), [[1, 'PF003'], [2, 'PF004']]);
  assert.deepEqual(p.processes, []);
});

void test('PF101: no space after the colon is a warning at the colon; the process is kept', () => {
  const p = parseProcfile('worker:node w.js\n');
  assert.deepEqual(where(p.diagnostics), [
    { line: 1, column: 7, endLine: 1, endColumn: 8, severity: 'warning', code: 'PF101' },
  ]);
  assert.match(p.diagnostics[0].message, /no space after the colon/);
  assert.match(p.diagnostics[0].message, /fix: write "worker: node w\.js"/);
  assert.deepEqual(p.processes, [{ type: 'worker', command: 'node w.js', line: 1 }]);
  assert.equal(hasErrors(p), false);
});

void test('PF102: a name that is not a DNS label is a warning at the name', () => {
  const cases: [string, string][] = [
    ['Worker', 'worker'],
    ['my_worker', 'my-worker'],
    ['-worker', 'worker'],
    ['worker-', 'worker'],
    ['a'.repeat(64), 'a'.repeat(63)],
  ];
  for (const [name, suggestion] of cases) {
    const p = parseProcfile(`${name}: run\n`);
    assert.deepEqual(where(p.diagnostics), [
      { line: 1, column: 1, endLine: 1, endColumn: name.length + 1, severity: 'warning', code: 'PF102' },
    ], name);
    assert.match(p.diagnostics[0].message, /not a DNS label/, name);
    assert.ok(p.diagnostics[0].message.includes(`fix: rename it, e.g. to "${suggestion}"`), p.diagnostics[0].message);
    assert.deepEqual(p.processes, [{ type: name, command: 'run', line: 1 }]);
  }
  for (const name of ['worker', 'worker-2', '0', 'a'.repeat(63)]) {
    assert.deepEqual(parseProcfile(`${name}: run\n`).diagnostics, [], name);
  }
});

void test('PF201: a web command that never mentions PORT is a hint at the command', () => {
  const p = parseProcfile('web:   node server.js  \n');
  assert.deepEqual(where(p.diagnostics), [
    { line: 1, column: 8, endLine: 1, endColumn: 22, severity: 'hint', code: 'PF201' },
  ]);
  assert.match(p.diagnostics[0].message, /PORT/);
  assert.match(p.diagnostics[0].message, /fix: /);
  assert.deepEqual(p.processes, [{ type: 'web', command: 'node server.js', line: 1 }]);
  assert.equal(hasErrors(p), false);
  for (const ok of ['web: node s.js --port $PORT', 'web: PORT=$PORT npm start', 'web: serve -l ${PORT:-5000}']) {
    assert.deepEqual(parseProcfile(ok).diagnostics, [], ok);
  }
  // only web receives traffic
  assert.deepEqual(parseProcfile('worker: node server.js').diagnostics, []);
});

void test('diagnostics are ordered by line, then column', () => {
  const p = parseProcfile('Web:node s.js\nbad line\n');
  assert.deepEqual(where(p.diagnostics).map((d) => [d.line, d.column, d.code]), [
    [1, 1, 'PF102'],
    [1, 4, 'PF101'],
    [2, 1, 'PF001'],
  ]);
});

void test('formatDiagnostic names the file, line, column, severity, code, reason and fix', () => {
  const p = parseProcfile('web: node s.js $PORT\n\n web: npm start\n');
  const line = formatDiagnostic('Procfile', p.diagnostics[0]);
  assert.equal(
    line,
    'Procfile:3:1: error PF002: invalid process type name " web": it has spaces around it; ' +
      'fix: write "web: COMMAND" (no spaces before the colon, or at the start of the line)',
  );
  const hint = formatDiagnostic('apps/shop/Procfile', only('web: node s.js'));
  assert.match(hint, /^apps\/shop\/Procfile:1:6: hint PF201: .+; fix: .+/);
});

void test('every message says what is wrong and how to fix it', () => {
  const p = parseProcfile(['nocolon', ' web: a', 'worker:', 'w: a', 'w: b', 'x:y', 'X_1: y', 'web: node s.js'].join('\n'));
  assert.deepEqual(
    p.diagnostics.map((d) => d.code).sort(),
    ['PF001', 'PF002', 'PF003', 'PF004', 'PF101', 'PF102', 'PF201'],
  );
  for (const d of p.diagnostics) {
    assert.match(d.message, /^[^;]+; fix: .+/, d.code);
    assert.ok(d.endColumn > d.column, d.code);
    assert.equal(d.endLine, d.line, d.code);
  }
});
