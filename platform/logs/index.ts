/** The per-app log store and its parts: import from here. */
export { formatLogLine, LOG_SOURCES, MAX_MESSAGE_BYTES, type LogLine, type LogSource } from '../shared/log-line';
export { compileFilter, type LogFilter } from './filter';
export { LineSplitter } from './splitter';
export { splitMessage } from './split';
export { FOLLOWER_QUEUE_LINES, OVERFLOW_DYNO, overflowLine, type FollowerStats, type LogSink } from './follower';
export { DEFAULT_HISTORY_LINES, DEFAULT_READ_LINES, FLUSH_INTERVAL_MS, LogStore, type LogStoreOptions } from './store';
