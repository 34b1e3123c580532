/**
 * How Kubernetes remembers the way a quantity was written; it only affects formatting.
 * `BinarySI` for Ki..Ei, `DecimalExponent` for `e`/`E` exponents, `DecimalSI` otherwise.
 */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/**
 * An exact Kubernetes resource quantity: `value = mantissa × 10^exponent`, with no floating point.
 * Normalised: the mantissa has no trailing zeros (zero is `0n × 10^0`), so two equal values have
 * the same mantissa and exponent. Binary suffixes are expanded exactly into the mantissa.
 */
export interface Quantity {
  readonly mantissa: bigint;
  readonly exponent: number;
  readonly format: QuantityFormat;
}

const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const BINARY_SUFFIXES: ReadonlyMap<string, bigint> = new Map([
  ['Ki', 10n],
  ['Mi', 20n],
  ['Gi', 30n],
  ['Ti', 40n],
  ['Pi', 50n],
  ['Ei', 60n],
]);
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map(
  [...DECIMAL_SUFFIXES].map(([suffix, exponent]) => [exponent, suffix]),
);

/**
 * The longest quantity text judged. apimachinery has no limit of its own, but no real quantity
 * comes near it (`9223372036854775807`, the int64 maximum, has 19 digits), and a bound keeps every
 * parse, BigInt conversion and comparison below constant work. Longer text is not a quantity.
 */
export const MAX_QUANTITY_LENGTH = 64;

const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

/** The index of the first non-digit of `text` at or after `from`. */
function skipDigits(text: string, from: number): number {
  let index = from;
  while (index < text.length && isDigit(text.charCodeAt(index))) index++;
  return index;
}

/**
 * The power of ten of an `e`/`E` exponent suffix (`e3`, `E-2`, `e+10`), or undefined when the
 * suffix is not one. Hand-scanned in one pass: no regular expression touches tenant text here.
 */
function exponentSuffix(suffix: string): number | undefined {
  const first = suffix.charCodeAt(0);
  if (first !== 0x65 && first !== 0x45) return undefined;
  let index = 1;
  const sign = suffix.charCodeAt(index);
  if (sign === PLUS || sign === MINUS) index++;
  if (index === suffix.length || skipDigits(suffix, index) !== suffix.length) return undefined;
  return Number(suffix.slice(1));
}

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);
/** Kubernetes caps DecimalSI and BinarySI quantities at the largest int64. */
const INT64_MAX: Quantity = normalise(2n ** 63n - 1n, 0, 'DecimalSI');
/** Kubernetes rounds non-zero values away from zero to whole nano units. */
const NANO_EXPONENT = -9;

/**
 * Parses a Kubernetes resource quantity (`k8s.io/apimachinery/pkg/api/resource`):
 * `<signedNumber><suffix>` with decimal SI suffixes `n u m k M G T P E`, binary `Ki Mi Gi Ti Pi Ei`
 * or a decimal exponent `e<int>`/`E<int>`; no spaces; at most {@link MAX_QUANTITY_LENGTH}
 * characters (longer text is undefined). Linear in the text's length. A finite number (a YAML int or float) is read
 * as its decimal text. Returns undefined for anything Kubernetes would reject. Like the API server,
 * rounds non-zero values away from zero to a multiple of 1n and caps DecimalSI and BinarySI
 * magnitudes at 2^63-1, so that the result is the value Kubernetes stores.
 */
export function parseQuantity(text: string | number): Quantity | undefined {
  if (typeof text === 'number') {
    return Number.isFinite(text) ? parseQuantity(String(text)) : undefined;
  }
  // One pass over at most MAX_QUANTITY_LENGTH characters, so parsing is linear and bounded.
  if (text.length === 0 || text.length > MAX_QUANTITY_LENGTH) return undefined;
  let index = 0;
  const first = text.charCodeAt(0);
  if (first === PLUS || first === MINUS) index++;
  const wholeEnd = skipDigits(text, index);
  const whole = text.slice(index, wholeEnd);
  index = wholeEnd;
  let fraction = '';
  if (text.charCodeAt(index) === DOT) {
    const fractionEnd = skipDigits(text, index + 1);
    fraction = text.slice(index + 1, fractionEnd);
    index = fractionEnd;
  }
  // `<digits>`, `<digits>.`, `<digits>.<digits>` or `.<digits>`: a number needs a digit.
  // (apimachinery's scanner also reads `+`, `-` and `.` as zero; the documented grammar does not.)
  if (whole === '' && fraction === '') return undefined;
  const suffix = text.slice(index);
  const digits = BigInt(`${whole}${fraction}`);
  let mantissa = first === MINUS ? -digits : digits;
  let exponent = 0 - fraction.length;
  let format: QuantityFormat;

  const decimal = DECIMAL_SUFFIXES.get(suffix);
  const binary = BINARY_SUFFIXES.get(suffix);
  if (decimal !== undefined) {
    format = 'DecimalSI';
    exponent += decimal;
  } else if (binary !== undefined) {
    format = 'BinarySI';
    mantissa <<= binary;
  } else {
    const power = exponentSuffix(suffix);
    if (power === undefined) return undefined;
    if (!Number.isSafeInteger(power) || power > INT32_MAX || power < INT32_MIN) return undefined;
    format = 'DecimalExponent';
    exponent += power;
  }

  const rounded = roundUpToNano(normalise(mantissa, exponent, format));
  if (format !== 'DecimalExponent' && compareMagnitudes(rounded, INT64_MAX) > 0) {
    return {
      ...INT64_MAX,
      mantissa: rounded.mantissa < 0n ? -INT64_MAX.mantissa : INT64_MAX.mantissa,
      format,
    };
  }
  return rounded;
}

/**
 * Compares two quantities exactly: -1 when `a < b`, 0 when equal (`64000m` = `64`,
 * `0.1` = `100m`), 1 when `a > b`. Never expands a huge exponent.
 */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const signA = sign(a.mantissa);
  const signB = sign(b.mantissa);
  if (signA !== signB) return signA < signB ? -1 : 1;
  if (signA === 0) return 0;
  const magnitude = compareMagnitudes(a, b);
  return signA > 0 ? magnitude : ((-magnitude || 0) as -1 | 0 | 1);
}

/**
 * Formats a quantity the way Kubernetes canonicalises it, for messages: the largest exact binary
 * suffix for BinarySI integers (`1536Mi`), otherwise the largest decimal SI suffix (or `e<n>` for
 * DecimalExponent) that leaves an integer mantissa (`1500m`, `64`, `1e30`).
 */
export function formatQuantity(q: Quantity): string {
  if (q.mantissa === 0n) return '0';
  if (q.format === 'BinarySI' && q.exponent >= 0) {
    let value = q.mantissa * 10n ** BigInt(q.exponent);
    const magnitude = value < 0n ? -value : value;
    if (magnitude >= 1024n) {
      let suffix = '';
      for (const [name, shift] of BINARY_SUFFIXES) {
        if (value % (1n << shift) !== 0n) break;
        suffix = name;
      }
      if (suffix !== '') {
        value >>= BINARY_SUFFIXES.get(suffix) ?? 0n;
        return `${value}${suffix}`;
      }
    }
  }
  const exponent3 = Math.floor(q.exponent / 3) * 3;
  const mantissa = q.mantissa * 10n ** BigInt(q.exponent - exponent3);
  if (q.format !== 'DecimalExponent') {
    const suffix = DECIMAL_SUFFIX_BY_EXPONENT.get(exponent3);
    if (suffix !== undefined) return `${mantissa}${suffix}`;
  }
  return exponent3 === 0 ? `${mantissa}` : `${mantissa}e${exponent3}`;
}

function sign(value: bigint): -1 | 0 | 1 {
  return value < 0n ? -1 : value > 0n ? 1 : 0;
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

/**
 * Strips trailing zeros into the exponent. Counted on the decimal text in one pass: dividing by
 * ten once per zero would be quadratic in the number of digits.
 */
function normalise(mantissa: bigint, exponent: number, format: QuantityFormat): Quantity {
  if (mantissa === 0n) return { mantissa: 0n, exponent: 0, format };
  const text = mantissa.toString();
  let end = text.length;
  while (text.charCodeAt(end - 1) === ZERO) end--;
  const zeros = text.length - end;
  if (zeros === 0) return { mantissa, exponent, format };
  return { mantissa: BigInt(text.slice(0, end)), exponent: exponent + zeros, format };
}

function digitCount(value: bigint): number {
  return abs(value).toString().length;
}

/** Rounds a normalised value away from zero to a multiple of 10^-9, as the API server does. */
function roundUpToNano(q: Quantity): Quantity {
  if (q.mantissa === 0n || q.exponent >= NANO_EXPONENT) return q;
  const drop = NANO_EXPONENT - q.exponent;
  const negative = q.mantissa < 0n;
  // Below one nano unit altogether: the result is exactly one nano unit.
  if (digitCount(q.mantissa) <= drop) {
    return normalise(negative ? -1n : 1n, NANO_EXPONENT, q.format);
  }
  const divisor = 10n ** BigInt(drop);
  const magnitude = abs(q.mantissa);
  // Normalised, so the dropped digits are never all zero: always round up.
  const rounded = magnitude / divisor + 1n;
  return normalise(negative ? -rounded : rounded, NANO_EXPONENT, q.format);
}

/** Compares |a| and |b| for normalised quantities. */
function compareMagnitudes(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const ma = abs(a.mantissa);
  const mb = abs(b.mantissa);
  if (ma === 0n || mb === 0n) return ma === mb ? 0 : ma === 0n ? -1 : 1;
  // The position of the leading digit decides unless both lead at the same power of ten.
  const orderA = digitCount(ma) + a.exponent;
  const orderB = digitCount(mb) + b.exponent;
  if (orderA !== orderB) return orderA < orderB ? -1 : 1;
  // Same order: the exponents differ by less than the mantissas' digit counts, so this is small.
  const low = Math.min(a.exponent, b.exponent);
  const sa = ma * 10n ** BigInt(a.exponent - low);
  const sb = mb * 10n ** BigInt(b.exponent - low);
  return sa === sb ? 0 : sa < sb ? -1 : 1;
}
