// Resource quantities as apimachinery's resource.Quantity reads and writes
// them: a value is parsed (rounded up to nano precision) and written back in
// its canonical form, keeping the kind of suffix it came with — `2000m` is
// stored as `2`, `1000` as `1k`, `1024Mi` as `1Gi`, `0.5Gi` as `512Mi`, while
// `500m`, `1Gi` and `1000Mi` stay as they are. A JSON number is a quantity too
// (`cpu: 2` is stored as `"2"`).

export const QUANTITY_FORMAT_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map(Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e, s]));

/** value = mantissa * 10^scale, exactly. */
interface Parsed {
  mantissa: bigint;
  scale: number;
  format: Format;
}

export class QuantityError extends Error {}

function parse(input: string): Parsed {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(input.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new QuantityError(QUANTITY_FORMAT_MESSAGE);
  const [, sign = '', whole = '', fraction = '', suffix = ''] = m;
  let format: Format;
  let scale = -fraction.length;
  let factor = 1n;
  if (suffix in DECIMAL_SUFFIXES) {
    format = 'DecimalSI';
    scale += DECIMAL_SUFFIXES[suffix]!;
  } else if (suffix in BINARY_SUFFIXES) {
    format = 'BinarySI';
    factor = 1n << BigInt(BINARY_SUFFIXES[suffix]!);
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    scale += Number(suffix.slice(1));
  } else {
    throw new QuantityError(QUANTITY_FORMAT_MESSAGE);
  }
  let mantissa = BigInt(`${whole}${fraction}` || '0') * factor;
  if (sign === '-') mantissa = -mantissa;
  // Precision below a nano unit is rounded up (away from zero), as the server does.
  if (scale < -9) {
    const div = 10n ** BigInt(-9 - scale);
    const q = mantissa / div;
    mantissa = q * div === mantissa ? q : q + (mantissa < 0n ? -1n : 1n);
    scale = -9;
  }
  return { mantissa, scale, format };
}

function stripFactors(n: bigint, base: bigint): [bigint, number] {
  let times = 0;
  if (n === 0n) return [n, 0];
  while (n % base === 0n) {
    n /= base;
    times++;
  }
  return [n, times];
}

/** The canonical string of a quantity; throws QuantityError when `value` is not one. */
export function canonicalQuantity(value: string | number): string {
  const q = parse(typeof value === 'number' ? String(value) : value);
  if (q.mantissa === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const abs = q.mantissa < 0n ? -q.mantissa : q.mantissa;
    const wholeUnits = q.scale >= 0 || abs % 10n ** BigInt(-q.scale) === 0n;
    // Small or fractional binary amounts read better (and lose nothing) as decimal.
    if (!wholeUnits || abs * 10n ** BigInt(Math.max(0, q.scale)) < 1024n * 10n ** BigInt(Math.max(0, -q.scale))) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    const whole = q.scale >= 0 ? q.mantissa * 10n ** BigInt(q.scale) : q.mantissa / 10n ** BigInt(-q.scale);
    const [amount, times] = stripFactors(whole, 1024n);
    const exponent = Math.min(times, 6) * 10;
    const rest = times > 6 ? amount * 1024n ** BigInt(times - 6) : amount;
    return `${rest}${BINARY_BY_EXPONENT.get(exponent) ?? ''}`;
  }
  let [amount, times] = stripFactors(q.mantissa, 10n);
  let exponent = q.scale + times;
  const r = ((exponent % 3) + 3) % 3;
  if (r !== 0) {
    amount *= 10n ** BigInt(r);
    exponent -= r;
  }
  if (format === 'DecimalExponent') return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
  const suffix = DECIMAL_BY_EXPONENT.get(exponent);
  return suffix !== undefined ? `${amount}${suffix}` : `${amount}e${exponent}`;
}
