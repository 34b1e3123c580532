import { reviewBody } from '../admission/test-support/reviews.js';
import { SNIFF_BYTES, sniffIdentity } from './sniff-identity.js';

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
