import { setFlagsFromString } from 'node:v8';

let engineEnabled = false;

/**
 * Compiles an ECMA-262 regular expression for V8's linear-time engine (the `l` flag), so that
 * matching any input takes time linear in its length, whatever the pattern: no catastrophic
 * backtracking, even for an administrator's pattern such as `^(a|a)*$` run on a tenant's name.
 * The engine implements the standard semantics for everything except what needs backtracking:
 * a pattern with backreferences, lookahead or lookbehind, or large counted repetitions throws a
 * SyntaxError ("Cannot be executed in linear time"), as does an invalid one. (These are the
 * constructs RE2, the engine of Kubernetes' own OpenAPI `pattern`, lacks too.)
 *
 * The engine is behind a V8 flag; it is switched on at the first call. The flag only makes the
 * `l` flag available to RegExps compiled afterwards and changes nothing else.
 */
export function linearRegExp(source: string, flags = ''): RegExp {
  if (!engineEnabled) {
    setFlagsFromString('--enable-experimental-regexp-engine');
    engineEnabled = true;
  }
  return new RegExp(source, `${flags}l`);
}
