// Small streaming JSON helpers for the snapshot parser: a validating skipper for values the parser
// does not store (unknown top-level keys; also used to capture the small `snapshot` object), and
// byte-describing helpers for error messages. Byte-at-a-time, so only for the small parts of a file.
import { SnapshotError } from './errors';

const SV_VALUE = 0;
const SV_OBJ_FIRST = 1;
const SV_OBJ_KEY = 2;
const SV_COLON = 3;
const SV_ARR_FIRST = 4;
const SV_AFTER = 5;
const SV_STRING = 6;
const SV_LITERAL = 7;

const OBJ = 1;
const ARR = 2;

/** Longest literal token (number, true/false/null) accepted, in characters. */
const MAX_LITERAL = 400;
const NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** True for JSON insignificant whitespace bytes. */
export function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** A byte shown for an error message: 'x' for printable ASCII, 0xNN otherwise. */
export function describeByte(c: number): string {
  return c >= 33 && c < 127 ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

function isLiteralByte(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 43 || c === 45 || c === 46;
}

/**
 * Validates and skips one JSON value fed in chunks. `feed` returns the index just after the value
 * (then `done` is true) or buf.length when it needs more input. Nesting depth is bounded only by memory.
 */
export class JsonValueSkipper {
  done = false;
  private readonly stack: number[] = [];
  private st = SV_VALUE;
  private token = '';
  private tokenStart = 0;
  private strIsKey = false;
  /** 0: plain; 1: after a backslash; 2..5: that many \u hex digits still to read, minus one. */
  private esc = 0;

  /** @param field JSON field name used in error messages (e.g. "samples"). */
  constructor(private readonly field: string) {}

  /** Where the skipper is, for a truncation message. */
  describe(): string {
    if (this.st === SV_STRING) return this.strIsKey ? 'an object key' : 'a string';
    return this.stack.length ? `a nested ${this.stack[this.stack.length - 1] === OBJ ? 'object' : 'array'}` : 'a value';
  }

  private fail(base: number, i: number, what: string): never {
    throw new SnapshotError('not-json', `Not valid JSON: ${what}`, { field: this.field, offset: base + i });
  }

  private afterValue(): void {
    this.st = SV_AFTER;
    if (this.stack.length === 0) this.done = true;
  }

  /** Consumes bytes of buf from index i; base is the absolute file offset of buf[0]. */
  feed(buf: Uint8Array, i: number, base: number): number {
    const len = buf.length;
    while (i < len) {
      if (this.done) return i;
      const c = buf[i];
      switch (this.st) {
        case SV_STRING: {
          // fast scan to the next quote, backslash or control byte
          while (i < len) {
            const d = buf[i];
            if (this.esc === 0) {
              if (d === 34) break;
              if (d === 92) this.esc = 1;
              else if (d < 32) this.fail(base, i, `control ${describeByte(d)} inside a string`);
            } else if (this.esc === 1) {
              if (d === 117) this.esc = 5;
              else if (d === 34 || d === 92 || d === 47 || d === 98 || d === 102 || d === 110 || d === 114 || d === 116) this.esc = 0;
              else this.fail(base, i, `bad escape \\${String.fromCharCode(d)}`);
            } else {
              const hex = (d >= 48 && d <= 57) || (d >= 97 && d <= 102) || (d >= 65 && d <= 70);
              if (!hex) this.fail(base, i, `bad \\u escape (${describeByte(d)})`);
              this.esc = this.esc === 2 ? 0 : this.esc - 1;
            }
            i++;
          }
          if (i < len) {
            i++; // closing quote
            if (this.strIsKey) this.st = SV_COLON;
            else this.afterValue();
          }
          continue;
        }
        case SV_LITERAL:
          if (isLiteralByte(c)) {
            if (this.token.length >= MAX_LITERAL) this.fail(base, i, 'literal too long');
            this.token += String.fromCharCode(c);
            i++;
            continue;
          }
          if (this.token !== 'true' && this.token !== 'false' && this.token !== 'null' && !NUMBER_RE.test(this.token)) {
            throw new SnapshotError('not-json', `Not valid JSON: bad literal '${this.token.slice(0, 40)}'`,
              { field: this.field, offset: this.tokenStart });
          }
          this.afterValue();
          continue; // re-examine c
        default:
          break;
      }
      if (isWs(c)) {
        i++;
        continue;
      }
      switch (this.st) {
        case SV_VALUE:
          if (c === 123) {
            this.stack.push(OBJ);
            this.st = SV_OBJ_FIRST;
          } else if (c === 91) {
            this.stack.push(ARR);
            this.st = SV_ARR_FIRST;
          } else if (c === 34) {
            this.strIsKey = false;
            this.esc = 0;
            this.st = SV_STRING;
          } else if (isLiteralByte(c)) {
            this.token = '';
            this.tokenStart = base + i;
            this.st = SV_LITERAL;
            continue;
          } else {
            this.fail(base, i, `unexpected ${describeByte(c)} where a value was expected`);
          }
          i++;
          break;
        case SV_OBJ_FIRST:
        case SV_OBJ_KEY:
          if (c === 34) {
            this.strIsKey = true;
            this.esc = 0;
            this.st = SV_STRING;
          } else if (c === 125 && this.st === SV_OBJ_FIRST) {
            this.stack.pop();
            this.afterValue();
          } else {
            this.fail(base, i, `unexpected ${describeByte(c)} where an object key was expected`);
          }
          i++;
          break;
        case SV_COLON:
          if (c !== 58) this.fail(base, i, `expected ':' but found ${describeByte(c)}`);
          this.st = SV_VALUE;
          i++;
          break;
        case SV_ARR_FIRST:
          if (c === 93) {
            this.stack.pop();
            this.afterValue();
            i++;
          } else {
            this.st = SV_VALUE;
          }
          break;
        case SV_AFTER: {
          const top = this.stack[this.stack.length - 1];
          if (c === 44) this.st = top === OBJ ? SV_OBJ_KEY : SV_VALUE;
          else if ((c === 125 && top === OBJ) || (c === 93 && top === ARR)) {
            this.stack.pop();
            this.afterValue();
          } else this.fail(base, i, `unexpected ${describeByte(c)} after a value`);
          i++;
          break;
        }
      }
    }
    return i;
  }
}
