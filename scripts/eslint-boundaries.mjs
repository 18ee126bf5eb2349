// The boundary between the platform's insides and what its clients share with it (README,
// "Layout"), as an ESLint rule that `npm test` runs (eslint.config.mjs):
//   - the editor (extension/**) and the CLI (platform/cli/**, platform/cli.ts) import from
//     platform/ only platform/api/ (the contract: schemas, the typed client, NDJSON),
//     platform/shared/ (pure code both sides compute with) and platform/discovery/ (find,
//     attach to or start the platform);
//   - those three, and the slug compiler's core that shared/ builds on (platform/slugs/), import
//     nothing else of the platform and no server-only package (fastify, level);
//   - the language server (extension/language-server/**) never imports vscode, and imports no
//     other part of the extension.
// Relative specifiers are resolved against the importing file, so `../../platform/store/db`
// and `../store/db` are judged alike.
import { dirname, relative, resolve, sep } from 'node:path';

const SHARED = ['platform/api/', 'platform/shared/', 'platform/discovery/'];
const SERVER_PACKAGES = /^(fastify|@fastify\/|level$|classic-level|undici|http-proxy-3)/;

/** Each zone: which files it covers, and what they may not import. */
const zones = [
  {
    name: 'the language server',
    covers: (f) => f.startsWith('extension/language-server/'),
    check: (target, pkg) =>
      pkg === 'vscode' || pkg === 'vscode-languageclient' || pkg?.startsWith('vscode-languageclient/')
        ? `the language server runs outside VS Code: it may not import "${pkg}"`
        : target && target.startsWith('extension/') && !target.startsWith('extension/language-server/')
          ? `the language server may not import the extension's ${target}`
          : target && target.startsWith('platform/') && !SHARED.some((s) => target.startsWith(s))
            ? `the language server may import from platform/ only ${SHARED.join(', ')}; ${target} is the platform's inside`
            : null,
  },
  {
    name: 'a client of the platform',
    covers: (f) => (f.startsWith('extension/') && !f.startsWith('extension/language-server/')) || f.startsWith('platform/cli/') || f === 'platform/cli.ts',
    check: (target) =>
      target && target.startsWith('platform/') && !target.startsWith('platform/cli') && !SHARED.some((s) => target.startsWith(s))
        ? `the editor and the CLI may import from platform/ only ${SHARED.join(', ')}; ${target} is the platform's inside (move what both sides need into platform/shared/)`
        : null,
  },
  {
    name: 'shared code',
    covers: (f) => SHARED.some((s) => f.startsWith(s)) || f.startsWith('platform/slugs/'),
    check: (target, pkg) =>
      pkg && (SERVER_PACKAGES.test(pkg) || pkg === 'vscode')
        ? `shared code may not import "${pkg}" (the editor and the CLI load it)`
        : target && target.startsWith('platform/') && !SHARED.some((s) => target.startsWith(s)) && !target.startsWith('platform/slugs/')
          ? `shared code may import only ${SHARED.join(', ')} and platform/slugs/; ${target} is server-only`
          : target && target.startsWith('extension/')
            ? `shared code may not import the extension's ${target}`
            : null,
  },
];

const rule = {
  meta: { type: 'problem', docs: { description: 'imports stay inside the boundary of README "Layout"' }, schema: [] },
  create(context) {
    const root = context.cwd;
    const file = relative(root, context.filename).split(sep).join('/');
    const mine = zones.filter((z) => z.covers(file));
    if (mine.length === 0) return {};
    const judge = (node, spec) => {
      if (typeof spec !== 'string') return;
      const target = spec.startsWith('.') ? relative(root, resolve(dirname(context.filename), spec)).split(sep).join('/') : null;
      const pkg = spec.startsWith('.') || spec.startsWith('node:') ? null : spec;
      for (const z of mine) {
        const problem = z.check(target, pkg);
        if (problem) context.report({ node, message: `${file} is ${z.name}: ${problem}` });
      }
    };
    return {
      ImportDeclaration: (node) => judge(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && judge(node.source, node.source.value),
      ExportAllDeclaration: (node) => judge(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && judge(node.source, node.source.value),
      CallExpression: (node) =>
        node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal' && judge(node.arguments[0], node.arguments[0].value),
    };
  },
};

export const boundaries = { rules: { imports: rule } };
