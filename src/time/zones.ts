// Wall-clock times in a time zone, as instants. Pure (Intl only), so workflows can use it.

/** Milliseconds since the epoch of `hh:mm` on `date` (YYYY-MM-DD) in `timeZone`. */
export function zonedInstant(date: string, hhmm: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
  const asIfUtc = Date.UTC(y, m - 1, d, hh, mm);
  // The zone's offset at that moment; once more after applying it, in case a DST change lies between.
  const first = asIfUtc - offsetMs(asIfUtc, timeZone);
  return asIfUtc - offsetMs(first, timeZone);
}

function offsetMs(instant: number, timeZone: string): number {
  const p = partsAt(instant, timeZone);
  const wall = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

function partsAt(instant: number, timeZone: string): Record<string, string> {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  return Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
}
