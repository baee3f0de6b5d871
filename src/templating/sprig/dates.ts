// Go's time.Time for Sprig's date functions: layouts in Go's reference-time notation
// ("2006-01-02T15:04:05Z07:00"), IANA zones through Intl, durations in Go's syntax.
import { GoInt, GoStruct, goFunc, type GoFunc } from "../value.js";

const second = 1_000_000_000n;
const months = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** The offset (seconds east of UTC) and abbreviation of `zone` at an instant. */
function zoneAt(zone: string, epochMs: number): { offset: number; abbr: string } {
  if (zone === "UTC") return { offset: 0, abbr: "UTC" };
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
    timeZoneName: "short",
  }).formatToParts(new Date(epochMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const local = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  const offset = Math.round((local - Math.floor(epochMs / 1000) * 1000) / 1000);
  let abbr = parts.find((p) => p.type === "timeZoneName")?.value ?? "";
  if (/^GMT[+-]/.test(abbr) || abbr === "GMT") abbr = offsetAbbr(offset);
  return { offset, abbr };
}

function offsetAbbr(offset: number): string {
  if (offset === 0) return "UTC";
  const sign = offset < 0 ? "-" : "+";
  const a = Math.abs(offset);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  return sign + String(h).padStart(2, "0") + (m === 0 ? "" : String(m).padStart(2, "0"));
}

/** Go's time.LoadLocation: "" and "UTC" are UTC, "Local" the process zone; undefined if unknown. */
export function loadLocation(name: string): string | undefined {
  if (name === "" || name === "UTC") return "UTC";
  if (name === "Local") return Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return name;
  } catch {
    return undefined;
  }
}

/** A Go time.Time: nanoseconds since the Unix epoch, shown in an IANA zone. */
export class GoTime extends GoStruct {
  readonly goType = "time.Time";
  readonly ns: bigint;
  readonly zone: string;

  constructor(ns: bigint, zone: string) {
    super();
    this.ns = ns;
    this.zone = zone;
  }

  static now(): GoTime {
    const ms = Date.now();
    const ns = BigInt(ms) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    return new GoTime(ns, loadLocation("Local") ?? "UTC");
  }

  /** Broken-down wall clock in the time's zone. */
  fields(): {
    year: number;
    month: number;
    day: number;
    hour: number;
    minute: number;
    second: number;
    nanos: number;
    weekday: number;
    yday: number;
    offset: number;
    abbr: string;
  } {
    const secs = this.ns / second - (this.ns % second < 0n ? 1n : 0n);
    const nanos = Number(this.ns - secs * second);
    const { offset, abbr } = zoneAt(this.zone, Number(secs) * 1000);
    const d = new Date((Number(secs) + offset) * 1000);
    const start = Date.UTC(d.getUTCFullYear(), 0, 1);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      nanos,
      weekday: d.getUTCDay(),
      yday: Math.floor((d.getTime() - start) / 86_400_000) + 1,
      offset,
      abbr,
    };
  }

  unix(): bigint {
    return this.ns / second - (this.ns % second < 0n ? 1n : 0n);
  }

  in(zone: string): GoTime {
    return new GoTime(this.ns, zone);
  }

  format(layout: string): string {
    return formatTime(this, layout);
  }

  override goString(): string {
    return this.format("2006-01-02 15:04:05.999999999 -0700 MST");
  }

  goJSON(): string {
    return this.format("2006-01-02T15:04:05.999999999Z07:00");
  }

  method(name: string): GoFunc | undefined {
    const f = (): ReturnType<GoTime["fields"]> => this.fields();
    const methods: Record<string, GoFunc> = {
      Year: goFunc([], () => new GoInt("int", BigInt(f().year))),
      Month: goFunc([], () => new GoInt("int", BigInt(f().month))),
      Day: goFunc([], () => new GoInt("int", BigInt(f().day))),
      Hour: goFunc([], () => new GoInt("int", BigInt(f().hour))),
      Minute: goFunc([], () => new GoInt("int", BigInt(f().minute))),
      Second: goFunc([], () => new GoInt("int", BigInt(f().second))),
      Nanosecond: goFunc([], () => new GoInt("int", BigInt(f().nanos))),
      YearDay: goFunc([], () => new GoInt("int", BigInt(f().yday))),
      Weekday: goFunc([], () => days[f().weekday] ?? ""),
      Unix: goFunc([], () => new GoInt("int64", this.unix())),
      UnixMilli: goFunc([], () => new GoInt("int64", this.ns / 1_000_000n)),
      UnixNano: goFunc([], () => new GoInt("int64", this.ns)),
      UTC: goFunc([], () => this.in("UTC")),
      Local: goFunc([], () => this.in(loadLocation("Local") ?? "UTC")),
      Format: goFunc(["string"], (layout: string) => this.format(layout)),
      String: goFunc([], () => this.goString()),
      IsZero: goFunc([], () => this.ns === zeroTimeNs),
    };
    return methods[name];
  }
}

/** Go's zero time (January 1, year 1, UTC) in Unix nanoseconds. */
const zeroTimeNs = -62135596800n * second;

function pad(n: number, width: number, c = "0"): string {
  return String(n).padStart(width, c);
}

const layoutTokens = [
  "January",
  "Jan",
  "Monday",
  "Mon",
  "MST",
  "Z07:00:00",
  "Z070000",
  "Z07:00",
  "Z0700",
  "Z07",
  "-07:00:00",
  "-070000",
  "-07:00",
  "-0700",
  "-07",
  "2006",
  "002",
  "01",
  "02",
  "03",
  "04",
  "05",
  "06",
  "__2",
  "_2",
  "15",
  "1",
  "2",
  "3",
  "4",
  "5",
  "PM",
  "pm",
];

function zoneText(token: string, offset: number): string {
  if (token.startsWith("Z") && offset === 0) return "Z";
  const sign = offset < 0 ? "-" : "+";
  const a = Math.abs(offset);
  const hh = pad(Math.floor(a / 3600), 2);
  const mm = pad(Math.floor((a % 3600) / 60), 2);
  const ss = pad(a % 60, 2);
  const t = token.slice(1);
  if (t === "07:00:00") return `${sign}${hh}:${mm}:${ss}`;
  if (t === "070000") return `${sign}${hh}${mm}${ss}`;
  if (t === "07:00") return `${sign}${hh}:${mm}`;
  if (t === "0700") return `${sign}${hh}${mm}`;
  return `${sign}${hh}`;
}

type Fields = ReturnType<GoTime["fields"]>;

function tokenText(token: string, f: Fields): string {
  const hour12 = f.hour % 12 === 0 ? 12 : f.hour % 12;
  const table: Record<string, () => string> = {
    January: () => months[f.month - 1] ?? "",
    Jan: () => (months[f.month - 1] ?? "").slice(0, 3),
    Monday: () => days[f.weekday] ?? "",
    Mon: () => (days[f.weekday] ?? "").slice(0, 3),
    MST: () => f.abbr,
    "2006": () => pad(f.year, 4),
    "06": () => pad(f.year % 100, 2),
    "01": () => pad(f.month, 2),
    "1": () => String(f.month),
    "02": () => pad(f.day, 2),
    _2: () => pad(f.day, 2, " "),
    "2": () => String(f.day),
    __2: () => pad(f.yday, 3, " "),
    "002": () => pad(f.yday, 3),
    "15": () => pad(f.hour, 2),
    "03": () => pad(hour12, 2),
    "3": () => String(hour12),
    "04": () => pad(f.minute, 2),
    "4": () => String(f.minute),
    "05": () => pad(f.second, 2),
    "5": () => String(f.second),
    PM: () => (f.hour >= 12 ? "PM" : "AM"),
    pm: () => (f.hour >= 12 ? "pm" : "am"),
  };
  const fn = table[token];
  if (fn !== undefined) return fn();
  return zoneText(token, f.offset);
}

/** Fractional seconds for ".000" (fixed) and ".999" (trailing zeros dropped) layouts. */
function fraction(layout: string, i: number, f: Fields): [string, number] | undefined {
  const sep = layout[i];
  if (sep !== "." && sep !== ",") return undefined;
  const m = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
  if (m === null) return undefined;
  const digits = (m[1] ?? "").length;
  let frac = pad(f.nanos, 9).slice(0, digits);
  if ((m[1] ?? "").startsWith("9")) {
    frac = frac.replace(/0+$/, "");
    return [frac === "" ? "" : sep + frac, m[0].length];
  }
  return [sep + frac, m[0].length];
}

/** Go's time.Time.Format. */
export function formatTime(t: GoTime, layout: string): string {
  const f = t.fields();
  let out = "";
  for (let i = 0; i < layout.length;) {
    const frac = fraction(layout, i, f);
    if (frac !== undefined) {
      out += frac[0];
      i += frac[1];
      continue;
    }
    const token = layoutTokens.find((tok) => layout.startsWith(tok, i));
    if (token === undefined || (token === "Jan" && layout.startsWith("January", i))) {
      out += layout[i] ?? "";
      i++;
      continue;
    }
    out += tokenText(token, f);
    i += token.length;
  }
  return out;
}

const unitNs: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration. @throws Error with Go's message */
export function parseDuration(s: string): bigint {
  const orig = s;
  const invalid = (): Error => new Error(`time: invalid duration "${orig}"`);
  let neg = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    neg = s.startsWith("-");
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw invalid();
  let total = 0;
  while (s !== "") {
    const m = /^([0-9]*)(?:\.([0-9]*))?([a-zµμ]*)/.exec(s);
    if (m === null || (m[1] === "" && (m[2] ?? "") === "")) throw invalid();
    const unit = m[3] ?? "";
    if (unit === "") throw new Error(`time: missing unit in duration "${orig}"`);
    const scale = unitNs[unit];
    if (scale === undefined) throw new Error(`time: unknown unit "${unit}" in duration "${orig}"`);
    total += Number(`${m[1] === "" ? "0" : m[1]}.${m[2] ?? "0"}`) * scale;
    s = s.slice(m[0].length);
  }
  const v = BigInt(Math.round(total));
  return neg ? -v : v;
}

/**
 * Go's time.ParseDuration in milliseconds, for flags and API fields (`refreshInterval: 1h`,
 * `--key-ttl 87600h`).
 * @throws Error with Go's message, e.g. `time: invalid duration "soon"`
 */
export function parseGoDuration(text: string): number {
  return Number(parseDuration(text)) / 1e6;
}

/** Go's time.Duration.String. */
export function durationString(d: bigint): string {
  if (d === 0n) return "0s";
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < second) {
    const [unit, div] =
      u < 1000n ? ["ns", 1n] : u < 1_000_000n ? ["µs", 1000n] : ["ms", 1_000_000n];
    out = fixed(u, div) + unit;
  } else {
    const h = u / (3600n * second);
    u -= h * 3600n * second;
    const m = u / (60n * second);
    u -= m * 60n * second;
    out = fixed(u, second) + "s";
    if (h > 0n || m > 0n) out = `${m}m` + out;
    if (h > 0n) out = `${h}h` + out;
  }
  return (neg ? "-" : "") + out;
}

function fixed(v: bigint, div: bigint): string {
  const whole = v / div;
  const frac = v % div;
  if (frac === 0n) return String(whole);
  const digits = String(div).length - 1;
  return `${whole}.${String(frac).padStart(digits, "0").replace(/0+$/, "")}`;
}

function toTime(date: unknown): GoTime {
  if (date instanceof GoTime) return date;
  if (
    date instanceof GoInt &&
    (date.kind === "int" || date.kind === "int64" || date.kind === "int32")
  ) {
    return new GoTime(date.value * second, loadLocation("Local") ?? "UTC");
  }
  return GoTime.now();
}

function dateInZone(layout: string, date: unknown, zone: string): string {
  return toTime(date)
    .in(loadLocation(zone) ?? "UTC")
    .format(layout);
}

function durationRound(v: unknown): string {
  let d = 0n;
  if (typeof v === "string") {
    try {
      d = parseDuration(v);
    } catch {
      d = 0n;
    }
  } else if (v instanceof GoInt && v.kind === "int64") d = v.value;
  else if (v instanceof GoTime) d = GoTime.now().ns - v.ns;
  const u = d < 0n ? -d : d;
  const hour = 3600n * second;
  const units: [bigint, string][] = [
    [hour * 24n * 365n, "y"],
    [hour * 24n * 30n, "mo"],
    [hour * 24n, "d"],
    [hour, "h"],
    [60n * second, "m"],
    [second, "s"],
  ];
  for (const [size, suffix] of units) if (u > size) return `${u / size}${suffix}`;
  return "0s";
}

/**
 * Go's time.ParseInLocation for the numeric layouts templates use (years, months, days, hours,
 * minutes, seconds, fractions, zone offsets, month and day names).
 * @throws Error when the value does not match the layout
 */
export function parseTime(layout: string, value: string, zone: string): GoTime {
  const pattern: string[] = [];
  const parts: string[] = [];
  for (let i = 0; i < layout.length;) {
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac !== null) {
      pattern.push("(?:[.,]([0-9]+))?");
      parts.push("frac");
      i += frac[0].length;
      continue;
    }
    const token = layoutTokens.find((tok) => layout.startsWith(tok, i));
    if (token === undefined) {
      pattern.push((layout[i] ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      i++;
      continue;
    }
    pattern.push(tokenPattern(token));
    parts.push(token);
    i += token.length;
  }
  const m = new RegExp(`^${pattern.join("")}$`).exec(value);
  if (m === null)
    throw new Error(
      `parsing time "${value}" as "${layout}": cannot parse "${value}" as "${layout}"`,
    );
  const f = {
    year: 1,
    month: 1,
    day: 1,
    hour: 0,
    minute: 0,
    second: 0,
    nanos: 0,
    pm: false,
    offset: undefined as number | undefined,
  };
  parts.forEach((token, i) => {
    applyToken(f, token, m[i + 1] ?? "");
  });
  if (f.pm && f.hour < 12) f.hour += 12;
  const wall = BigInt(Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second)) / 1000n;
  const loc = loadLocation(zone) ?? "UTC";
  const offset = f.offset ?? zoneAt(loc, Number(wall) * 1000).offset;
  return new GoTime(
    (wall - BigInt(offset)) * second + BigInt(f.nanos),
    f.offset === undefined ? loc : "UTC",
  );
}

function tokenPattern(token: string): string {
  if (token === "January") return `(${months.join("|")})`;
  if (token === "Jan") return `(${months.map((x) => x.slice(0, 3)).join("|")})`;
  if (token === "Monday") return `(${days.join("|")})`;
  if (token === "Mon") return `(${days.map((x) => x.slice(0, 3)).join("|")})`;
  if (token === "MST") return "([A-Z]{3,5}|[+-][0-9]{2,4})";
  if (token === "PM" || token === "pm") return "([AaPp][Mm])";
  if (token.startsWith("Z") || token.startsWith("-"))
    return "(Z|[+-][0-9]{2}(?::?[0-9]{2}(?::?[0-9]{2})?)?)";
  if (token === "2006") return "([0-9]{4})";
  if (token === "_2" || token === "__2") return " ?([0-9]{1,3})";
  return token.length === 1 ? "([0-9]{1,2})" : `([0-9]{${token.length}})`;
}

function applyToken(
  f: {
    year: number;
    month: number;
    day: number;
    hour: number;
    minute: number;
    second: number;
    nanos: number;
    pm: boolean;
    offset: number | undefined;
  },
  token: string,
  text: string,
): void {
  const n = Number(text);
  switch (token) {
    case "2006":
      f.year = n;
      return;
    case "06":
      f.year = n + (n >= 69 ? 1900 : 2000);
      return;
    case "January":
    case "Jan":
      f.month = months.findIndex((x) => x.startsWith(text)) + 1;
      return;
    case "01":
    case "1":
      f.month = n;
      return;
    case "02":
    case "2":
    case "_2":
      f.day = n;
      return;
    case "15":
    case "03":
    case "3":
      f.hour = n;
      return;
    case "04":
    case "4":
      f.minute = n;
      return;
    case "05":
    case "5":
      f.second = n;
      return;
    case "PM":
    case "pm":
      f.pm = text.toUpperCase() === "PM";
      return;
    case "frac":
      f.nanos = text === "" ? 0 : Number(text.padEnd(9, "0").slice(0, 9));
      return;
    default:
      if (token.startsWith("Z") || token.startsWith("-")) f.offset = parseOffset(text);
  }
}

function parseOffset(text: string): number {
  if (text === "Z") return 0;
  const digits = text.slice(1).replaceAll(":", "");
  const h = Number(digits.slice(0, 2));
  const m = Number(digits.slice(2, 4) || "0");
  const s = Number(digits.slice(4, 6) || "0");
  return (text.startsWith("-") ? -1 : 1) * (h * 3600 + m * 60 + s);
}

function toDate(layout: string, value: string): GoTime {
  try {
    return parseTime(layout, value, "Local");
  } catch {
    return new GoTime(zeroTimeNs, "UTC");
  }
}

function dateModify(d: string, t: GoTime): GoTime {
  try {
    return new GoTime(t.ns + parseDuration(d), t.zone);
  } catch {
    return t;
  }
}

const any = "interface {}";
const time = "time.Time";

/** Sprig's date functions. */
export const dateFunctions: Readonly<Record<string, GoFunc>> = {
  now: goFunc([], () => GoTime.now()),
  date: goFunc(["string", any], (layout: string, d: unknown) => dateInZone(layout, d, "Local")),
  date_in_zone: goFunc(["string", any, "string"], dateInZone),
  dateInZone: goFunc(["string", any, "string"], dateInZone),
  htmlDate: goFunc([any], (d: unknown) => dateInZone("2006-01-02", d, "Local")),
  htmlDateInZone: goFunc([any, "string"], (d: unknown, z: string) =>
    dateInZone("2006-01-02", d, z),
  ),
  date_modify: goFunc(["string", time], dateModify),
  dateModify: goFunc(["string", time], dateModify),
  must_date_modify: goFunc(
    ["string", time],
    (d: string, t: GoTime) => new GoTime(t.ns + parseDuration(d), t.zone),
  ),
  mustDateModify: goFunc(
    ["string", time],
    (d: string, t: GoTime) => new GoTime(t.ns + parseDuration(d), t.zone),
  ),
  ago: goFunc([any], (d: unknown) => {
    const elapsed = GoTime.now().ns - toTime(d).ns;
    return durationString(
      ((elapsed + (elapsed >= 0n ? second / 2n : -second / 2n)) / second) * second,
    );
  }),
  duration: goFunc([any], (v: unknown) => {
    let n = 0n;
    if (typeof v === "string") n = /^[+-]?[0-9]+$/.test(v) ? BigInt(v) : 0n;
    else if (v instanceof GoInt && v.kind === "int64") n = v.value;
    return durationString(BigInt.asIntN(64, n * second));
  }),
  durationRound: goFunc([any], durationRound),
  toDate: goFunc(["string", "string"], toDate),
  mustToDate: goFunc(["string", "string"], (layout: string, value: string) =>
    parseTime(layout, value, "Local"),
  ),
  unixEpoch: goFunc([time], (t: GoTime) => String(t.unix())),
};
