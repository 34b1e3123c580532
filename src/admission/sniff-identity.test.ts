import { profile, reviewBody } from './test-support/reviews.js';
import { SNIFF_BYTES, sniffIdentity, sniffRequest } from './sniff-identity.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

describe('sniffIdentity', () => {
  it('reads the uid and apiVersion of a review as the API server writes it', () => {
    const text =
      '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1beta1",' +
      '"request":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","kind":{}}}';
    expect(sniffIdentity(bytes(text))).toEqual({
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      apiVersion: 'admission.k8s.io/v1beta1',
    });
    expect(sniffIdentity(bytes(JSON.stringify(reviewBody({ uid: 'abc' }))))).toEqual({
      uid: 'abc',
      apiVersion: 'admission.k8s.io/v1',
    });
  });

  it('finds nothing unless both are at the start, in that shape', () => {
    const late = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      pad: 'x'.repeat(SNIFF_BYTES),
      request: { uid: 'abc' },
    });
    expect(sniffIdentity(bytes(late))).toBeUndefined();
    expect(sniffIdentity(bytes('{"request":{"kind":{},"uid":"abc"}}'))).toBeUndefined();
    expect(sniffIdentity(bytes('{"apiVersion":"v1","request":{"uid":"abc"}}'))).toBeUndefined();
    expect(
      sniffIdentity(bytes('{"apiVersion":"admission.k8s.io/v1","request":{"uid":"a\\"b"}}')),
    ).toBeUndefined();
    expect(sniffIdentity(bytes(''))).toBeUndefined();
  });

  it('reads a view without looking outside it', () => {
    const whole = Buffer.from(`xxxx${JSON.stringify(reviewBody({ uid: 'in-view' }))}`);
    expect(sniffIdentity(whole.subarray(4))?.uid).toBe('in-view');
  });
});

describe('sniffRequest', () => {
  const RB_KIND = { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding' };

  it('reads the envelope of a review as the API server writes it', () => {
    const body = reviewBody({
      uid: 'u-7',
      kind: RB_KIND,
      name: 'share',
      namespace: 'team-a',
      operation: 'UPDATE',
      username: 'Zoë "admin" <z@example.com>',
      object: { metadata: { name: 'share' } },
    });
    expect(sniffRequest(bytes(JSON.stringify(body)))).toEqual({
      identity: { uid: 'u-7', apiVersion: 'admission.k8s.io/v1' },
      kind: RB_KIND,
      operation: 'UPDATE',
      name: 'share',
      namespace: 'team-a',
      username: 'Zoë "admin" <z@example.com>',
    });
  });

  it('reads nothing from the objects, whatever they say', () => {
    // No name or namespace in the envelope (a cluster-scoped object created by generateName):
    // the object's own members, shaped by the client, are not taken for them.
    const body = reviewBody({
      object: {
        ...profile('team', 'alice@example.com'),
        metadata: { generateName: 'team-', name: 'forged', namespace: 'forged' },
        userInfo: { username: 'forged' },
      },
    });
    const request = body.request as Record<string, unknown>;
    delete request.name;
    delete request.userInfo;
    const sniffed = sniffRequest(bytes(JSON.stringify(body)));
    expect(sniffed.name).toBeUndefined();
    expect(sniffed.namespace).toBeUndefined();
    expect(sniffed.username).toBeUndefined();
    expect(sniffed.operation).toBe('CREATE');
  });

  it('takes no value out of a string (every quote in one is escaped)', () => {
    const forged = '\\"name\\":\\"x\\",\\"operation\\":\\"DELETE\\"';
    const text =
      '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u",' +
      `"userInfo":{"username":"${forged}"}}}`;
    const sniffed = sniffRequest(bytes(text));
    expect(sniffed.name).toBeUndefined();
    expect(sniffed.operation).toBeUndefined();
    expect(sniffed.username).toBe(JSON.parse(`"${forged}"`));
  });

  it('reads only the first SNIFF_BYTES bytes, and only values in the expected shape', () => {
    const late = JSON.stringify(
      reviewBody({ username: 'x'.repeat(SNIFF_BYTES), object: profile('team', 'a@b.c') }),
    );
    expect(sniffRequest(bytes(late)).username).toBeUndefined();
    expect(sniffRequest(bytes(late)).operation).toBe('CREATE'); // written before the username
    const odd = JSON.stringify(reviewBody({ name: 'Not_A_Name', operation: 'PATCH' }));
    expect(sniffRequest(bytes(odd)).name).toBeUndefined();
    expect(sniffRequest(bytes(odd)).operation).toBeUndefined();
    expect(sniffRequest(bytes(''))).toEqual({
      identity: undefined,
      kind: undefined,
      operation: undefined,
      name: undefined,
      namespace: undefined,
      username: undefined,
    });
  });
});
