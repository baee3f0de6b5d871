// Timestamps as Go reads and writes them: go-yaml's four timestamp layouts, RFC 3339 parsing, and
// the RFC 3339 text `time.MarshalText` (nanoseconds) and `Format(time.RFC3339)` (seconds) produce.

interface Instant {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction digits as written (up to 9), without trailing zeros. */
  fraction: string;
  /** Offset from UTC in minutes; 0 prints as `Z`. */
  offsetMinutes: number;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function valid(t: Instant): boolean {
  return (
    t.month >= 1 &&
    t.month <= 12 &&
    t.day >= 1 &&
    t.day <= daysIn(t.year, t.month) &&
    t.hour < 24 &&
    t.minute < 60 &&
    t.second < 60 &&
    Math.abs(t.offsetMinutes) < 24 * 60
  );
}

function zoneText(offsetMinutes: number): string {
  if (offsetMinutes === 0) return "Z";
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function format(t: Instant, withFraction: boolean): string {
  const fraction = withFraction && t.fraction !== "" ? `.${t.fraction}` : "";
  return (
    `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}` +
    `${fraction}${zoneText(t.offsetMinutes)}`
  );
}

function parseZone(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === "") return undefined;
  if (zone === "Z") return 0;
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (match === null) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === "-" ? -minutes : minutes;
}

function build(parts: (string | undefined)[], offsetMinutes: number): Instant | undefined {
  const [year, month, day, hour = "0", minute = "0", second = "0", fraction = ""] = parts;
  const instant: Instant = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
    fraction: fraction.slice(0, 9).replace(/0+$/, ""),
    offsetMinutes,
  };
  return valid(instant) ? instant : undefined;
}

// go-yaml v3 tries "2006-1-2T15:4:5.999999999Z07:00" (and lower-case t), "2006-1-2 15:4:5.999999999"
// and "2006-1-2": a four-digit year, one- or two-digit other fields.
const YAML_WITH_ZONE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;
const YAML_SPACE = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?$/;
const YAML_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

/**
 * Resolves a plain YAML scalar as go-yaml v3 does for timestamps; returns the RFC 3339 text Go's
 * `MarshalText` gives for it, or undefined when the scalar is not a timestamp.
 */
export function parseYamlTimestamp(text: string): string | undefined {
  let match = YAML_WITH_ZONE.exec(text);
  if (match !== null) {
    const zone = parseZone(match[8]);
    const instant = zone === undefined ? undefined : build(match.slice(1, 8), zone);
    return instant === undefined ? undefined : format(instant, true);
  }
  match = YAML_SPACE.exec(text) ?? YAML_DATE.exec(text);
  if (match !== null) {
    const instant = build(match.slice(1, 8), 0);
    return instant === undefined ? undefined : format(instant, true);
  }
  return undefined;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

function parseRfc3339(text: string): Instant | undefined {
  const match = RFC3339.exec(text);
  if (match === null) return undefined;
  const zone = parseZone(match[8]);
  return zone === undefined ? undefined : build(match.slice(1, 8), zone);
}

/** Go `time.UnmarshalText` then `MarshalText`: the canonical nanosecond RFC 3339 text, or undefined. */
export function canonicalRfc3339Nano(text: string): string | undefined {
  const instant = parseRfc3339(text);
  return instant === undefined ? undefined : format(instant, true);
}

/**
 * Go `time.Parse(time.RFC3339, s)` then `Format(time.RFC3339)`: seconds precision, offset kept.
 * sops uses this form of `lastmodified` as the MAC's additional data.
 */
export function canonicalRfc3339Seconds(text: string): string | undefined {
  const instant = parseRfc3339(text);
  return instant === undefined ? undefined : format(instant, false);
}

/** `now` as RFC 3339 UTC with second precision, the form sops writes for `lastmodified`. */
export function rfc3339SecondsUtc(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}
