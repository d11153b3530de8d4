// Wire schemas for phase 6: export triggers as the phase 6 exporter's publishers send them (both
// forms; the bridge runs the ones people publish) and the export-complete report (tests check what
// goes out). Parsing returns a typed value or the reason it is not one. The types, for workflows,
// live in src/messages/export-message.ts.
import { z } from 'zod';
import { defaultMinGames, exportTypes } from '../pipeline/exports';
import { isCalendarDate } from '../time';
import { describeIssues, parseJson, type Parsed } from './parse';
import {
  exportTriggerSources,
  type DailyExportTrigger,
  type ExportComplete,
  type ExportTrigger,
  type PlayerProfilesTrigger,
} from './export-message';

const optionalText = z.string().nullish();

export const targetDateSchema = z
  .string()
  .refine((v) => v === 'today' || v === 'yesterday' || isCalendarDate(v), 'must be YYYY-MM-DD, today or yesterday');

const tracing = {
  trigger_source: z.enum(exportTriggerSources).optional(),
  triggered_by: optionalText,
  correlation_id: optionalText,
  timestamp: optionalText,
  trigger_id: optionalText,
  phase: z.literal('phase6').optional(),
};

export const dailyExportTriggerSchema = z.object({
  export_types: z.array(z.enum(exportTypes)).min(1, 'must name at least one export type'),
  target_date: targetDateSchema,
  update_latest: z.boolean().default(false),
  upstream_batch_id: optionalText,
  upstream_predictions: z.number().int().nonnegative().nullish(),
  ...tracing,
}) satisfies z.ZodType<DailyExportTrigger>;

export const playerProfilesTriggerSchema = z.object({
  players: z.literal(true),
  min_games: z.number().int().positive().default(defaultMinGames),
  target_date: targetDateSchema.optional(),
  ...tracing,
}) satisfies z.ZodType<PlayerProfilesTrigger>;

export const exportTriggerSchema = z.union([
  dailyExportTriggerSchema,
  playerProfilesTriggerSchema,
]) satisfies z.ZodType<ExportTrigger>;

export const exportCompleteSchema = z.object({
  trigger_id: z.string().min(1),
  correlation_id: z.string().nullable(),
  workflow_id: z.string().min(1),
  target_date: z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD'),
  status: z.enum(['success', 'partial', 'failed']),
  export_types: z.array(z.enum(exportTypes)),
  succeeded: z.array(z.enum(exportTypes)),
  failed: z.array(z.object({ export_type: z.enum(exportTypes), error: z.string() })),
  paths: z.array(z.string()),
  row_counts: z.partialRecord(z.enum(exportTypes), z.number().int().nonnegative()),
  trigger_source: z.enum(exportTriggerSources),
  triggered_by: z.string().nullable(),
  timestamp: z.string(),
  phase: z.literal('phase6'),
}) satisfies z.ZodType<ExportComplete>;

/** The form is told by `players`: the reason then names the field at fault, not "invalid union". */
export function parseExportTrigger(data: string): Parsed<ExportTrigger> {
  const json = parseJson(data);
  if (!json.ok) return json;
  const isPlayersForm = typeof json.value === 'object' && json.value !== null && 'players' in json.value;
  return isPlayersForm
    ? validate(json.value, playerProfilesTriggerSchema)
    : validate(json.value, dailyExportTriggerSchema);
}

export function parseExportComplete(data: string): Parsed<ExportComplete> {
  const json = parseJson(data);
  return json.ok ? validate(json.value, exportCompleteSchema) : json;
}

function validate<T>(json: unknown, schema: z.ZodType<T>): Parsed<T> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: describeIssues(parsed.error) };
  }
  return { ok: true, value: parsed.data };
}
