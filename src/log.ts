// Structured logging for the worker, bridge and CLI: fields, not prose. One logger per process: the
// worker's Runtime forwards the SDK's and the workflows' logs here too (src/telemetry/runtime.ts).
import pino from 'pino';
import { initialLogLevel } from './config';

// The level is LOG_LEVEL's from the start (a process's main re-applies the validated one).
export const log = pino({ level: initialLogLevel() });
