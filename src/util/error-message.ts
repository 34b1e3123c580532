/**
 * The message of anything thrown. Not `instanceof Error`: errors made in another realm (a VM
 * context such as a test runner's, a worker) fail that test but still carry a message.
 */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String(error.message);
  }
  return String(error);
}
