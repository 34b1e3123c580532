import {
  evaluateProfile,
  findingsOf,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { testPolicy } from '../../test-support/test-policy.js';

const owned = (owner: unknown) => profileWithSpec({ owner });

describe('profile-owner-domain', () => {
  const domains = (emailDomains: string[]) => testPolicy({ profiles: { owner: { emailDomains } } });

  it.each([
    [[], 'bob@anywhere.org', true],
    [['example.com'], 'alice@example.com', true],
    [['example.com'], 'alice@EXAMPLE.com', true],
    [['Example.COM'], 'alice@example.com', true],
    [['example.com', 'corp.io'], 'bob@corp.io', true],
    [['example.com'], 'alice@corp.example.com', false], // exact match only, no subdomains
    [['example.com'], 'alice@example.com.evil.io', false],
    [['example.com'], 'alice@notexample.com', false],
    [['example.com'], 'alice', false],
  ])('domains %p, owner %p: passes %p', (allowed, name, ok) => {
    const findings = findingsOf(
      evaluateProfile(owned({ kind: 'User', name }), { policy: domains(allowed) }),
      'profile-owner-domain',
    );
    expect(findings).toEqual(
      ok
        ? []
        : [
            {
              path: 'spec.owner.name',
              message: `spec.owner.name "${name}" is not in an allowed e-mail domain; allowed: ${allowed.join(', ')}`,
            },
          ],
    );
  });
});
