/**
 * Translates an ECMA-262 regular expression (no flags, as `profiles.name.pattern` is used) into an
 * RE2 expression that matches exactly the same strings of BMP characters, for CEL's `matches()`
 * (RE2, searched like `RegExp.prototype.test`). What RE2 cannot express (backreferences,
 * lookaround) or what would not mean the same there is refused with the reason, never guessed.
 *
 * Differences handled: JS `.` excludes `\r`, U+2028 and U+2029 as well as `\n`; JS `\s` is
 * Unicode white space (RE2's is ASCII); `\d`, `\w`, `\b` are ASCII in both. Every literal is
 * written as `\x{…}`, so no character is read differently. Annex B leniencies of JS (a lone `{`,
 * `}` or `]` is a literal; `\a` is `a`) are followed.
 */

/** The result of a translation: the RE2 text, or why there is none. */
export type Re2Translation =
  { readonly ok: true; readonly re2: string } | { readonly ok: false; readonly reason: string };

/** JS `\s`: WhiteSpace and LineTerminator of ECMA-262, as RE2 class members. */
export const JS_WHITESPACE_CLASS_BODY =
  '\\x{9}-\\x{d}\\x{20}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
const DIGIT_BODY = '0-9';
const WORD_BODY = '0-9A-Za-z_';
/** JS `.` without the `s` flag: anything but a line terminator. */
const JS_DOT = '[^\\x{a}\\x{d}\\x{2028}\\x{2029}]';
/** RE2 refuses repeat counts above 1000 and large nested repetitions. */
const MAX_REPEAT = 1000;

class Refused extends Error {}

/** Translates `pattern` (see the module comment). */
export function ecmaToRe2(pattern: string): Re2Translation {
  try {
    new RegExp(pattern);
  } catch (error) {
    return { ok: false, reason: `not a valid regular expression: ${(error as Error).message}` };
  }
  try {
    const parser = new Parser(pattern);
    const re2 = parser.disjunction();
    if (parser.position < pattern.length) parser.refuse('unbalanced ")"');
    return { ok: true, re2 };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.message };
    throw error;
  }
}

/** A literal code point as an RE2 escape (valid inside and outside classes). */
function hex(code: number): string {
  return `\\x{${code.toString(16)}}`;
}

interface ClassAtom {
  /** The code point, for a single character; undefined for a class escape such as `\d`. */
  readonly code?: number;
  /** The RE2 text inside `[...]`. */
  readonly text: string;
}

class Parser {
  position = 0;
  private groupDepth = 0;
  /** The largest product of nested counted repeats in the current group (RE2 bounds it). */
  private innerProduct = 1;

  constructor(private readonly source: string) {}

  refuse(reason: string): never {
    throw new Refused(`${reason} (at offset ${this.position}) cannot be expressed in RE2`);
  }

  private peek(offset = 0): string | undefined {
    return this.source[this.position + offset];
  }

  disjunction(): string {
    const alternatives = [this.alternative()];
    while (this.peek() === '|') {
      this.position++;
      alternatives.push(this.alternative());
    }
    return alternatives.join('|');
  }

  /** Terms up to `|`, `)` or the end; returns the RE2 text and tracks repetition size. */
  private alternative(): string {
    let out = '';
    for (;;) {
      const char = this.peek();
      if (char === undefined || char === '|' || (char === ')' && this.groupDepth > 0)) return out;
      out += this.term();
    }
  }

  private term(): string {
    const char = this.peek();
    if (char === '^' || char === '$') {
      this.position++;
      this.noQuantifier();
      return char;
    }
    if (char === '\\' && (this.peek(1) === 'b' || this.peek(1) === 'B')) {
      this.position += 2;
      this.noQuantifier();
      return `\\${this.source[this.position - 1] ?? ''}`;
    }
    const outer = this.innerProduct;
    this.innerProduct = 1;
    const atom = this.atom();
    const inner = this.innerProduct;
    const { text, count } = this.quantifier();
    const product = inner * count;
    if (product > MAX_REPEAT) this.refuse(`nested repeat counts above ${MAX_REPEAT} in all`);
    this.innerProduct = Math.max(outer, product);
    return atom + text;
  }

  /** An assertion cannot be repeated in RE2 (and `^*` is an error in JS). */
  private noQuantifier(): void {
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?' || (next === '{' && this.braceQuantifier())) {
      this.refuse('a quantified assertion');
    }
  }

  private atom(): string {
    const char = this.peek();
    if (char === undefined) this.refuse('an empty term');
    const code = this.source.charCodeAt(this.position);
    if (code >= 0xd800 && code <= 0xdfff) {
      this.refuse('a character outside the Basic Multilingual Plane');
    }
    switch (char) {
      case '.':
        this.position++;
        return JS_DOT;
      case '(':
        return this.group();
      case '[':
        return this.characterClass();
      case '\\':
        return this.atomEscape();
      case '*':
      case '+':
      case '?':
        this.refuse('a quantifier without a term');
        break;
      case '{':
        if (this.braceQuantifier()) this.refuse('a quantifier without a term');
        break;
      case ')':
        this.refuse('unbalanced ")"');
        break;
      default:
        break;
    }
    this.position++;
    return hex(code);
  }

  private group(): string {
    const start = this.position;
    this.position++;
    if (this.peek() === '?') {
      const next = this.peek(1);
      if (next === ':') {
        this.position += 2;
      } else if (next === '=' || next === '!') {
        this.position = start;
        this.refuse('a lookahead');
      } else if (next === '<' && (this.peek(2) === '=' || this.peek(2) === '!')) {
        this.position = start;
        this.refuse('a lookbehind');
      } else if (next === '<') {
        const close = this.source.indexOf('>', this.position);
        if (close < 0) this.refuse('an unterminated group name');
        this.position = close + 1;
      } else {
        this.refuse('a group modifier');
      }
    }
    this.groupDepth++;
    const inner = this.disjunction();
    this.groupDepth--;
    if (this.peek() !== ')') this.refuse('an unterminated group');
    this.position++;
    return `(?:${inner})`;
  }

  /** At `{`: the quantifier `{n}`, `{n,}` or `{n,m}` if one starts here (else `{` is a literal). */
  private braceQuantifier(): { min: number; max: number | undefined; length: number } | undefined {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.position));
    if (match === null) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? undefined : Number(match[3]);
    return { min, max, length: match[0].length };
  }

  /** The quantifier after an atom, with the count RE2 multiplies nested repeats by. */
  private quantifier(): { text: string; count: number } {
    const char = this.peek();
    let out: string;
    let count = 1;
    if (char === '*' || char === '+' || char === '?') {
      this.position++;
      out = char;
    } else if (char === '{') {
      const brace = this.braceQuantifier();
      if (brace === undefined) return { text: '', count };
      if (brace.min > MAX_REPEAT || (brace.max ?? 0) > MAX_REPEAT) {
        this.refuse(`a repeat count above ${MAX_REPEAT}`);
      }
      this.position += brace.length;
      count = Math.max(brace.min, brace.max ?? 0, 1);
      out = brace.max === brace.min ? `{${brace.min}}` : `{${brace.min},${brace.max ?? ''}}`;
    } else {
      return { text: '', count };
    }
    // Laziness changes which match is found, never whether one is: drop it.
    if (this.peek() === '?') this.position++;
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?' || (next === '{' && this.braceQuantifier())) {
      this.refuse('a repeated quantifier');
    }
    return { text: out, count };
  }

  private atomEscape(): string {
    const escape = this.classOrCharacterEscape(false);
    if (escape.code === undefined) return `[${escape.text}]`;
    return hex(escape.code);
  }

  /**
   * After `\`: a class escape (`\d`, `\s`, ...) or a character escape. Inside a class, `\b` is a
   * backspace and `-` may be escaped; outside, backreferences are refused.
   */
  private classOrCharacterEscape(inClass: boolean): ClassAtom {
    this.position++;
    const char = this.peek();
    if (char === undefined) this.refuse('a trailing backslash');
    this.position++;
    switch (char) {
      case 'd':
        return { text: DIGIT_BODY };
      case 'D':
        return { text: `^${DIGIT_BODY}` };
      case 'w':
        return { text: WORD_BODY };
      case 'W':
        return { text: `^${WORD_BODY}` };
      case 's':
        return { text: JS_WHITESPACE_CLASS_BODY };
      case 'S':
        return { text: `^${JS_WHITESPACE_CLASS_BODY}` };
      case 'f':
        return single(0x0c);
      case 'n':
        return single(0x0a);
      case 'r':
        return single(0x0d);
      case 't':
        return single(0x09);
      case 'v':
        return single(0x0b);
      case 'b':
        if (inClass) return single(0x08);
        break;
      case 'c': {
        const letter = this.peek();
        if (letter !== undefined && /[A-Za-z]/.test(letter)) {
          this.position++;
          return single(letter.charCodeAt(0) % 32);
        }
        // Annex B: `\c` not followed by a letter is a backslash and a `c`.
        this.refuse('"\\c" without a control letter');
        break;
      }
      case 'x': {
        const digits = /^[0-9A-Fa-f]{2}/.exec(this.source.slice(this.position))?.[0];
        if (digits === undefined) return single(0x78);
        this.position += 2;
        return single(parseInt(digits, 16));
      }
      case 'u': {
        const digits = /^[0-9A-Fa-f]{4}/.exec(this.source.slice(this.position))?.[0];
        if (digits === undefined) return single(0x75);
        this.position += 4;
        const code = parseInt(digits, 16);
        if (code >= 0xd800 && code <= 0xdfff) this.refuse('a surrogate escape');
        return single(code);
      }
      case '0':
        if (!/[0-9]/.test(this.peek() ?? '')) return single(0);
        this.refuse('an octal escape');
        break;
      default:
        break;
    }
    if (/[1-9]/.test(char)) this.refuse('a backreference or octal escape');
    if (char === 'k' && /\(\?<[^=!]/.test(this.source)) this.refuse('a named backreference');
    const code = this.source.charCodeAt(this.position - 1);
    if (code >= 0xd800 && code <= 0xdfff) {
      this.refuse('a character outside the Basic Multilingual Plane');
    }
    // Identity escape: the character itself (Annex B allows any but `c`).
    return single(code);
  }

  private characterClass(): string {
    this.position++;
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.position++;
    }
    const parts: string[] = [];
    const negatedEscapes: string[] = [];
    for (;;) {
      const char = this.peek();
      if (char === undefined) this.refuse('an unterminated character class');
      if (char === ']') {
        this.position++;
        break;
      }
      const first = this.classAtom();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.position++;
        const last = this.classAtom();
        if (first.code === undefined || last.code === undefined) {
          // Annex B: a range with a class escape at either end is the atoms and a literal `-`.
          this.addAtom(first, parts, negatedEscapes);
          parts.push(hex(0x2d));
          this.addAtom(last, parts, negatedEscapes);
        } else {
          parts.push(`${hex(first.code)}-${hex(last.code)}`);
        }
        continue;
      }
      this.addAtom(first, parts, negatedEscapes);
    }
    if (negatedEscapes.length > 0) {
      // `[\D]` and the like: RE2 reads `\S` differently, so only a class that is exactly one
      // negated escape is translated (as itself).
      if (negatedEscapes.length === 1 && parts.length === 0) {
        const body = negatedEscapes[0] ?? '';
        return negated ? `[${body.slice(1)}]` : `[${body}]`;
      }
      this.refuse('a negated class escape (\\D, \\W, \\S) inside a larger class');
    }
    if (parts.length === 0) {
      // `[]` matches nothing and `[^]` anything, line terminators included.
      return negated ? '[\\x{0}-\\x{10ffff}]' : '[^\\x{0}-\\x{10ffff}]';
    }
    return `[${negated ? '^' : ''}${parts.join('')}]`;
  }

  private addAtom(atom: ClassAtom, parts: string[], negatedEscapes: string[]): void {
    if (atom.code !== undefined) parts.push(hex(atom.code));
    else if (atom.text.startsWith('^')) negatedEscapes.push(atom.text);
    else parts.push(atom.text);
  }

  private classAtom(): ClassAtom {
    const char = this.peek();
    if (char === '\\') {
      if (this.peek(1) === '-') {
        this.position += 2;
        return single(0x2d);
      }
      return this.classOrCharacterEscape(true);
    }
    const code = this.source.charCodeAt(this.position);
    if (code >= 0xd800 && code <= 0xdfff) {
      this.refuse('a character outside the Basic Multilingual Plane');
    }
    this.position++;
    return single(code);
  }
}

function single(code: number): ClassAtom {
  return { code, text: hex(code) };
}
