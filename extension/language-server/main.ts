/**
 * The Slipway language server (Procfile and .slugignore), bundled as dist/language-server.js.
 * VS Code starts it through extension/language-client.ts (node IPC); any other editor can run
 * `node dist/language-server.js --stdio` (or `--node-ipc`, `--socket=PORT`): the transport
 * comes from the command line, as vscode-languageserver reads it.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));
