import { runInNewContext } from 'node:vm';

import { errorMessage } from './error-message.js';

describe('errorMessage', () => {
  it('is the message of an Error', () => {
    expect(errorMessage(new TypeError('bad type'))).toBe('bad type');
  });

  it('is the message of an error made in another realm, which is no instanceof Error here', () => {
    const foreign: unknown = runInNewContext('new Error("from elsewhere")');
    expect(foreign instanceof Error).toBe(false);
    expect(errorMessage(foreign)).toBe('from elsewhere');
  });

  it('is the text of anything else thrown', () => {
    expect(errorMessage('plain string')).toBe('plain string');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(null)).toBe('null');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
