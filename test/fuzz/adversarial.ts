// Adversarial generators for the fuzz tests: not what a person mistypes but what an attacker sends. Long runs of
// tag fragments, quotes and whitespace (what makes a backtracking pattern take quadratic time: docs/SECURITY.md),
// strings at, just over and far over each length bound, digits with one bad character at the end, and JSON of
// every odd shape: arrays, nulls, numbers, deep nesting, prototype keys (`__proto__`, `constructor`), many keys.
// Every value is synthetic; none is a real person's data.
import fc from 'fast-check';
import { pidData } from '../sim/eko-fixtures.js';

/** The PidData size bound of common/checks.ts; generated text goes up to a little beyond it. */
export const PID_BOUND = 200_000;

/** Pieces of markup that bait a pattern over PidData: tag openings, attribute starts, quotes, whitespace. */
export const TAG_FRAGMENTS = [
  '<Resp ',
  '<Resp',
  '<Resp\n',
  '<Resp errCode=',
  "<Resp errCode='",
  '<Resp errCode="',
  '<Resp errCode="0" ',
  'errCode="0" ',
  'errCode="720"',
  ' errCode',
  ' errCode =  ',
  '<PidData ',
  '<PidData>',
  '</PidData>',
  '<Data ',
  '<Data>',
  '</Data>',
  '<Resp/>',
  '<',
  '>',
  '/>',
  '/',
  '"',
  "'",
  '=',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\u00a0',
  '\u2028',
  '0',
  '720',
  'a',
  'a=',
  'a="" ',
  "''",
  '<?xml version="1.0"?>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '&quot;',
  '&gt;',
  '\ud800',
] as const;

/** Pieces that bait the short fields' patterns: digits, signs, points, separators, units, look-alike digits. */
export const FIELD_BAIT = [
  '1',
  '9',
  '0',
  '12',
  '1.',
  '.1',
  '.',
  '-',
  '-1.',
  ',',
  ', ',
  ' ',
  '\t',
  '\n',
  '\u00a0',
  'ms',
  's',
  'm',
  'h',
  'd',
  'e',
  'E',
  '+',
  'x',
  'A',
  '\u0663', // ARABIC-INDIC DIGIT THREE: not \d
  '\uff11', // FULLWIDTH DIGIT ONE
  '\u0000',
  '\ud800',
] as const;

/** How often a piece repeats: mostly a few times, often a few thousand, sometimes enough to pass the PidData bound. */
const repeats = (longest: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 64 }) },
    { weight: 2, arbitrary: fc.integer({ min: 64, max: Math.max(64, Math.floor(longest / 8)) }) },
    { weight: 1, arbitrary: fc.integer({ min: Math.floor(longest / 4), max: longest }) },
  );

/**
 * Runs of pieces, joined: e.g. `"<Resp ".repeat(30000)` or `"1".repeat(5000) + "x"`. At most `maxLength` characters
 * (each run is cut so the whole stays within it), so a property can run a thousand of them in seconds.
 */
export function runsOf(pieces: readonly string[], maxLength: number): fc.Arbitrary<string> {
  const run = fc.tuple(fc.constantFrom(...pieces), repeats(maxLength)).map(([piece, n]) => piece.repeat(n));
  return fc.array(run, { minLength: 1, maxLength: 4 }).map((runs) => runs.join('').slice(0, maxLength));
}

/** Strings of exactly `length` characters of `fill`, ending in `last`: "digits then one bad character". */
const filledTo = (fill: string, length: number, last: string) =>
  fill.repeat(Math.ceil(length / fill.length)).slice(0, Math.max(0, length - last.length)) + last;

/**
 * Text around a length bound: `bound - 1`, `bound`, `bound + 1` and far beyond, of digits or bait, ending in a
 * character the pattern refuses (or in a digit). `bound` is the field's MAX_LENGTH.
 */
export function aroundBound(bound: number): fc.Arbitrary<string> {
  const length = fc.oneof(
    fc.constantFrom(bound - 1, bound, bound + 1, bound * 2, 16 * 1024, PID_BOUND + 1),
    fc.integer({ min: 0, max: bound + 8 }),
  );
  return fc
    .tuple(length, fc.constantFrom('1', '9', '1.', ' ', '-1.', '1,', '\u0663'), fc.constantFrom(...FIELD_BAIT))
    .map(([n, fill, last]) => filledTo(fill, n, last));
}

/** Text for a short field: bait runs, strings around the bound, and ordinary strings. */
export const adversarialField = (bound: number): fc.Arbitrary<string> =>
  fc.oneof(runsOf(FIELD_BAIT, 20_000), aroundBound(bound), fc.string({ maxLength: bound + 2 }));

/** The `<PidData …>` wrapping that passes the shape check, so a capture check has to read what is inside. */
export const shaped = (inner: string) => `<PidData><Data type="X">AA==</Data>${inner}</PidData>`;

/**
 * PidData-like text: tag-fragment runs bare, wrapped to pass the shape check, spliced into a realistic capture, or
 * padded with whitespace after `</PidData>`; from a few characters to a little over the bound.
 */
export const adversarialPid: fc.Arbitrary<string> = fc.oneof(
  runsOf(TAG_FRAGMENTS, PID_BOUND + 16),
  runsOf(TAG_FRAGMENTS, PID_BOUND - 64).map(shaped),
  fc
    .tuple(runsOf(TAG_FRAGMENTS, PID_BOUND - 600), fc.constantFrom('0', '720'))
    .map(([junk, errCode]) => pidData({ errCode }).replace('<Resp ', `<Resp ${junk} `)),
  fc
    .tuple(fc.constantFrom(' ', '\n', '\u00a0', ' x'), fc.integer({ min: 1, max: PID_BOUND - 400 }))
    .map(([pad, n]) => pidData() + pad.repeat(n)),
  fc.constantFrom(PID_BOUND - 1, PID_BOUND, PID_BOUND + 1).map((n) => shaped('<Resp '.repeat(n / 6)).slice(0, n)),
);

/** A JSON text nested `depth` deep, parsed: `[[[…]]]`, `{"a":{"a":…}}`, or the two alternating. */
function nested(depth: number, kind: 'array' | 'object' | 'mixed'): unknown {
  let text = 'null';
  for (let i = 0; i < depth; i++) {
    const array = kind === 'array' || (kind === 'mixed' && i % 2 === 0);
    text = array ? `[${text}]` : `{"a":${text}}`;
  }
  return JSON.parse(text);
}

/** Keys that name Object.prototype's members. As JSON.parse makes them (own data properties), not as setters. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** An object with `key` as an own property, as a JSON body or a Temporal payload would decode it. */
export const withOwnKey = (base: object, key: string, value: unknown): Record<string, unknown> =>
  JSON.parse(
    `${JSON.stringify(base).slice(0, -1)}${Object.keys(base).length ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}}`,
  );

/** Odd JSON: scalars of every type, empty and deep structures, prototype keys, objects with very many keys. */
export const oddJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, -1, 1e308, -1e308, 5e-324, 2 ** 53 + 1, '', [], {}, [null], [{}]),
  fc.jsonValue({ maxDepth: 3 }),
  fc
    .tuple(fc.integer({ min: 1, max: 2000 }), fc.constantFrom('array', 'object', 'mixed') as fc.Arbitrary<'array'>)
    .map(([depth, kind]) => nested(depth, kind)),
  fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.jsonValue({ maxDepth: 2 })).map(([key, v]) => withOwnKey({}, key, v)),
  fc
    .integer({ min: 100, max: 5000 })
    .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i % 3 ? null : 'x']))),
);

/**
 * A message argument `{ [field]: … }` an attacker could send: the field as adversarial text or odd JSON, next to
 * prototype keys or unknown keys; or not an object at all.
 */
export function adversarialArg(field: string, text: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: text.map((v) => ({ [field]: v })) },
    { weight: 1, arbitrary: oddJson.map((v) => ({ [field]: v })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(text, fc.constantFrom(...PROTOTYPE_KEYS), oddJson)
        .map(([v, key, junk]) => withOwnKey({ [field]: v }, key, junk)),
    },
    { weight: 1, arbitrary: oddJson },
  );
}

/** The length bounds of the start fields and durations (common/checks.ts MAX_LENGTH). */
export const FIELD_BOUNDS = { userCode: 8, customerId: 10, aadhaar: 12, latlong: 64, bankCode: 12 } as const;
export const DURATION_BOUND = 32;
export const OTP_BOUND = 6;
const FIELDS = Object.keys(FIELD_BOUNDS) as (keyof typeof FIELD_BOUNDS)[];
const DURATION_KEYS = ['otpTimeout', 'resendCooldown', 'biometricTimeout', 'sessionTimeout', 'ekoStepTimeout'];
const COUNT_KEYS = ['maxOtpAttempts', 'maxResends', 'maxBiometricAttempts'];

const oddNumber = fc.oneof(
  fc.constantFrom(-0, 0.5, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 3),
  fc.double({ noNaN: true }),
  fc.constant('3'),
);

/** A policy: durations as bait, counts as odd numbers, prototype keys, or not an object. */
export const adversarialPolicy: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(fc.constantFrom(...DURATION_KEYS), adversarialField(DURATION_BOUND), { minKeys: 1, maxKeys: 3 }),
  fc.dictionary(fc.constantFrom(...COUNT_KEYS), oddNumber, { minKeys: 1, maxKeys: 3 }),
  fc
    .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom(...DURATION_KEYS))
    .map(([key, name]) => withOwnKey({ otpTimeout: '10m' }, key, { [name]: '1s' })),
  oddJson,
);

/**
 * A start input built on `valid` with adversarial values: one or more fields replaced by bait or odd JSON, an
 * adversarial policy, a prototype key beside the fields, or not an object at all. Some draws may happen to be valid
 * (a run of eight "1"s is a user code): a property that needs an invalid input filters with the schema.
 */
export const adversarialInput = (valid: fc.Arbitrary<object>): fc.Arbitrary<unknown> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(valid, fc.subarray(FIELDS, { minLength: 1 }))
        .chain(([input, fields]) =>
          fc
            .tuple(...fields.map((f) => fc.oneof({ weight: 4, arbitrary: adversarialField(FIELD_BOUNDS[f]) }, oddJson)))
            .map((values) => ({ ...input, ...Object.fromEntries(fields.map((f, i) => [f, values[i]])) })),
        ),
    },
    { weight: 2, arbitrary: fc.tuple(valid, adversarialPolicy).map(([input, policy]) => ({ ...input, policy })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...PROTOTYPE_KEYS), oddJson)
        .map(([input, key, junk]) => withOwnKey(input, key, junk)),
    },
    { weight: 1, arbitrary: oddJson },
  );
