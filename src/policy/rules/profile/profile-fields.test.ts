import { input } from '../../test-support/fixtures.js';
import { profileWithHard } from '../../test-support/profile-fixtures.js';
import { quotaHard } from './profile-fields.js';

describe('quotaHard', () => {
  it('lists the keys of `hard` in order, and none when it is absent or not a map', () => {
    const object = profileWithHard({ cpu: '1', 'requests.memory': '2Gi' });
    expect(quotaHard(object, input('Profile', object)).keys).toEqual(['cpu', 'requests.memory']);
    for (const hard of [undefined, null, 'cpu', ['cpu']]) {
      const other = profileWithHard(hard);
      expect(quotaHard(other, input('Profile', other)).keys).toEqual([]);
    }
  });

  it('lists a map once per request, and afresh for another request', () => {
    const hard: Record<string, string> = { cpu: '1' };
    const object = profileWithHard(hard);
    const first = input('Profile', object);
    const keys = quotaHard(object, first).keys;
    expect(quotaHard(object, first).keys).toBe(keys);
    hard.memory = '1Gi';
    expect(quotaHard(object, input('Profile', object)).keys).toEqual(['cpu', 'memory']);
  });
});
