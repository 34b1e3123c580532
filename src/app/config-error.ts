/**
 * A startup failure caused by what the operator configured (a bad policy, an unusable
 * certificate directory or kubeconfig): `serve` prints the message and exits 2.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
