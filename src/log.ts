// Structured logging for the worker, bridge and CLI: fields, not prose.
import pino from 'pino';
import { config } from './config';

export const log = pino({ level: config.logLevel });
