import {
  MAX_QUANTITY_LENGTH,
  compareQuantities,
  formatQuantity,
  parseQuantity,
  type Quantity,
} from './quantity.js';

const q = (text: string | number): Quantity => {
  const parsed = parseQuantity(text);
  if (!parsed) throw new Error(`test quantity ${String(text)} did not parse`);
  return parsed;
};
const cmp = (a: string | number, b: string | number): number => compareQuantities(q(a), q(b));

describe('parseQuantity', () => {
  it.each<[string | number, bigint, number, string]>([
    ['0', 0n, 0, 'DecimalSI'],
    ['1', 1n, 0, 'DecimalSI'],
    ['1n', 1n, -9, 'DecimalSI'],
    ['1u', 1n, -6, 'DecimalSI'],
    ['1m', 1n, -3, 'DecimalSI'],
    ['1k', 1n, 3, 'DecimalSI'],
    ['1M', 1n, 6, 'DecimalSI'],
    ['1G', 1n, 9, 'DecimalSI'],
    ['1T', 1n, 12, 'DecimalSI'],
    ['1P', 1n, 15, 'DecimalSI'],
    ['1E', 1n, 18, 'DecimalSI'],
    ['1Ki', 1024n, 0, 'BinarySI'],
    ['1Mi', 1048576n, 0, 'BinarySI'],
    ['1Gi', 1073741824n, 0, 'BinarySI'],
    ['1Ti', 1099511627776n, 0, 'BinarySI'],
    ['1Pi', 1125899906842624n, 0, 'BinarySI'],
    ['1Ei', 1152921504606846976n, 0, 'BinarySI'],
    ['1.5Gi', 1610612736n, 0, 'BinarySI'],
    ['0.5Ki', 512n, 0, 'BinarySI'],
    ['1e3', 1n, 3, 'DecimalExponent'],
    ['1E3', 1n, 3, 'DecimalExponent'],
    ['1e+3', 1n, 3, 'DecimalExponent'],
    ['1.5E-2', 15n, -3, 'DecimalExponent'],
    ['1.5e30', 15n, 29, 'DecimalExponent'],
    ['64000m', 64n, 0, 'DecimalSI'],
    ['0.1', 1n, -1, 'DecimalSI'],
    ['.5', 5n, -1, 'DecimalSI'],
    ['5.', 5n, 0, 'DecimalSI'],
    ['1.G', 1n, 9, 'DecimalSI'],
    ['+12', 12n, 0, 'DecimalSI'],
    ['-12', -12n, 0, 'DecimalSI'],
    ['-1.5Ki', -1536n, 0, 'BinarySI'],
    ['007', 7n, 0, 'DecimalSI'],
    ['1200', 12n, 2, 'DecimalSI'],
    [4, 4n, 0, 'DecimalSI'],
    [0.5, 5n, -1, 'DecimalSI'],
    [-3, -3n, 0, 'DecimalSI'],
    [1e21, 1n, 21, 'DecimalExponent'],
  ])('%p → %p × 10^%p (%s)', (text, mantissa, exponent, format) => {
    expect(parseQuantity(text)).toEqual({ mantissa, exponent, format });
  });

  it('rounds non-zero values away from zero to whole nano units, as the API server does', () => {
    expect(parseQuantity('0.1n')).toEqual({ mantissa: 1n, exponent: -9, format: 'DecimalSI' });
    expect(parseQuantity('1.0000000001')).toEqual({
      mantissa: 1000000001n,
      exponent: -9,
      format: 'DecimalSI',
    });
    expect(parseQuantity('-1e-40')).toEqual({
      mantissa: -1n,
      exponent: -9,
      format: 'DecimalExponent',
    });
    expect(parseQuantity('0.0n')).toEqual({ mantissa: 0n, exponent: 0, format: 'DecimalSI' });
  });

  it('caps DecimalSI and BinarySI at 2^63-1 but not exponent forms, as the API server does', () => {
    const max = { mantissa: 2n ** 63n - 1n, exponent: 0 };
    expect(parseQuantity('100E')).toEqual({ ...max, format: 'DecimalSI' });
    expect(parseQuantity('9Ei')).toEqual({ ...max, format: 'BinarySI' });
    expect(parseQuantity('-100E')).toEqual({
      mantissa: -max.mantissa,
      exponent: 0,
      format: 'DecimalSI',
    });
    expect(parseQuantity('1e20')).toEqual({
      mantissa: 1n,
      exponent: 20,
      format: 'DecimalExponent',
    });
    expect(parseQuantity('9223372036854775807')).toEqual({ ...max, format: 'DecimalSI' });
  });

  it.each<string | number>([
    '',
    ' ',
    '1.5.5',
    '10 Gi',
    ' 10Gi',
    '10Gi ',
    'Gi',
    '1KiB',
    '1kk',
    '1K',
    '1ki',
    '1mi',
    '1MI',
    '0x10',
    '1e',
    '1e+',
    '1ee3',
    '1e3e',
    '1e3.5',
    '1e3Ki',
    '1Mi3',
    '1Ki2',
    '+-1',
    '--1',
    '+',
    '-',
    '.',
    '-.',
    '.G',
    '1,5',
    '1_000',
    '١',
    '1e99999999999',
    'e3',
    'NaN',
    'Infinity',
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])('rejects %p', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });

  it('accepts exponents up to int32 without expanding them', () => {
    expect(parseQuantity('1e2147483647')).toEqual({
      mantissa: 1n,
      exponent: 2147483647,
      format: 'DecimalExponent',
    });
    expect(parseQuantity('1e2147483648')).toBeUndefined();
  });

  it('judges at most 64 characters: longer text is not a quantity, whatever it holds', () => {
    expect(MAX_QUANTITY_LENGTH).toBe(64);
    const longest = `1${'0'.repeat(63)}`;
    expect(parseQuantity(`${longest}e-70`)).toBeUndefined();
    expect(parseQuantity(`1${'0'.repeat(60)}e-3`)).toEqual({
      mantissa: 1n,
      exponent: 57,
      format: 'DecimalExponent',
    });
    expect(parseQuantity(`0.${'0'.repeat(61)}1`)).toEqual({
      mantissa: 1n,
      exponent: -9,
      format: 'DecimalSI',
    });
    expect(longest).toHaveLength(64);
    expect(parseQuantity(`${longest}0`)).toBeUndefined();
    // The input of the reported stall: a hundred thousand trailing zeros.
    expect(parseQuantity(`1${'0'.repeat(100_000)}`)).toBeUndefined();
    expect(parseQuantity(`${'9'.repeat(100_000)}Ki`)).toBeUndefined();
    expect(parseQuantity(`1e${'0'.repeat(100_000)}1`)).toBeUndefined();
  });

  it('strips trailing zeros of a 64-digit number exactly', () => {
    expect(parseQuantity(`1${'0'.repeat(63)}`)).toEqual({
      mantissa: 2n ** 63n - 1n,
      exponent: 0,
      format: 'DecimalSI',
    });
    expect(parseQuantity(`0.${'0'.repeat(62)}`)).toEqual({
      mantissa: 0n,
      exponent: 0,
      format: 'DecimalSI',
    });
    expect(parseQuantity(`12${'0'.repeat(40)}e-40`)).toEqual({
      mantissa: 12n,
      exponent: 0,
      format: 'DecimalExponent',
    });
  });
});

describe('compareQuantities', () => {
  it.each<[string | number, string | number, -1 | 0 | 1]>([
    ['64000m', '64', 0],
    ['64', '64001m', -1],
    ['64', '63999m', 1],
    ['64', 64, 0],
    ['0.1', '100m', 0],
    ['1Gi', '1G', 1],
    ['1G', '1Gi', -1],
    ['512Gi', '549755813888', 0],
    ['512Gi', '549755813889', -1],
    ['512Gi', '549755813887', 1],
    ['10Ti', '10995116277760', 0],
    ['10Ti', '11T', -1],
    ['10Ti', '10T', 1],
    ['1Ki', '1024', 0],
    ['1k', '1000', 0],
    ['1e3', '1k', 0],
    ['1.5E-2', '15m', 0],
    ['1n', '0.000000001', 0],
    ['1u', '1000n', 0],
    ['1E', '1e18', 0],
    ['1Ei', '1E', 1],
    ['0', '-0', 0],
    ['0', '0m', 0],
    ['-1', '0', -1],
    ['-1', '-2', 1],
    ['-1Gi', '-1G', -1],
    ['1e2147483647', '1e2147483646', 1],
    ['1e2147483647', '9e2147483646', 1],
    ['10e2147483646', '1e2147483647', 0],
    ['1e-40', '1n', 0],
    ['123456789012345678901234567890e5', '123456789012345678901234567891e5', -1],
    ['8', '8.000000001', -1],
  ])('%p vs %p → %p', (a, b, expected) => {
    expect(cmp(a, b)).toBe(expected);
    expect(cmp(b, a)).toBe(expected === 0 ? 0 : -expected);
  });
});

describe('formatQuantity', () => {
  it.each<[string | number, string]>([
    ['0', '0'],
    ['64000m', '64'],
    ['1.5', '1500m'],
    ['0.1', '100m'],
    ['1.5Gi', '1536Mi'],
    ['16Gi', '16Gi'],
    ['1024Ki', '1Mi'],
    ['1000Ki', '1000Ki'],
    ['0.5Ki', '512'],
    ['-1.5Ki', '-1536'],
    ['100Gi', '100Gi'],
    ['10Ti', '10Ti'],
    ['1e3', '1e3'],
    ['1.5e30', '1500e27'],
    ['1.5E-2', '15e-3'],
    ['1200', '1200'],
    ['12000', '12k'],
    ['4', '4'],
    [4, '4'],
    ['1n', '1n'],
    ['100E', '9223372036854775807'],
  ])('%p → %p', (text, expected) => {
    expect(formatQuantity(q(text))).toBe(expected);
  });

  it('round-trips: formatting then parsing gives an equal quantity', () => {
    for (const text of ['1.5Gi', '12345m', '7e9', '-3.25Ti', '0.001', '1E', '10Ti', '1e-9']) {
      expect(cmp(formatQuantity(q(text)), text)).toBe(0);
    }
  });
});
