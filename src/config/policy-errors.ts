/** `invalid policy <path>:` then each error on its own indented line (serve and check alike). */
export function formatPolicyErrors(path: string, errors: readonly string[]): string {
  return [`invalid policy ${path}:`, ...errors.map((error) => `  ${error}`)].join('\n');
}
