import type { RuleDefinition } from '../../rule.js';
import { authzAnySource } from './authz-any-source.js';
import { authzSourceNamespace } from './authz-source-namespace.js';
import { authzUserHeader } from './authz-user-header.js';

/** The AuthorizationPolicy rules (besides `binding-protected`), in catalog order. */
export const AUTHZ_RULES: readonly RuleDefinition[] = [
  authzSourceNamespace,
  authzAnySource,
  authzUserHeader,
];
