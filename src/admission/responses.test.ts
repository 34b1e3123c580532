import type { Evaluation, Finding } from '../policy/engine.js';
import {
  admissionResponse,
  auditAnnotationsOf,
  badRequestStatus,
  forbiddenStatus,
  MAX_WARNING_CHARS,
  warningText,
} from './responses.js';

const finding = (
  ruleId: Finding['ruleId'],
  message: string,
  mode: Finding['mode'] = 'Enforce',
): Finding => ({
  ruleId,
  mode,
  path: 'spec.owner.name',
  message,
  ratcheted: false,
});

const evaluation = (patch: Partial<Evaluation>): Evaluation => ({
  allowed: true,
  exempt: false,
  denials: [],
  warnings: [],
  audits: [],
  evaluations: [],
  ...patch,
});

describe('responses', () => {
  it('an allowing response leaves out empty parts entirely', () => {
    const parts = { allowed: true, warnings: [], auditAnnotations: {}, patch: [] };
    const response = admissionResponse('u', parts);
    expect(response).toEqual({ uid: 'u', allowed: true });
    expect(JSON.stringify(response)).toBe('{"uid":"u","allowed":true}');
  });

  it('encodes a non-empty patch as base64 JSON with patchType JSONPatch', () => {
    const response = admissionResponse('u', {
      allowed: true,
      patch: [{ op: 'add', path: '/a~1b', value: 1 }],
    });
    expect(response.patchType).toBe('JSONPatch');
    expect(Buffer.from(response.patch ?? '', 'base64').toString('utf8')).toBe(
      '[{"op":"add","path":"/a~1b","value":1}]',
    );
  });

  it('a denial lists every denial as <rule-id>: <message> joined with "; "', () => {
    const status = forbiddenStatus([
      finding('profile-owner-format', 'spec.owner.name "x" is bad'),
      finding('profile-name-reserved', 'metadata.name "kubeflow" is reserved'),
    ]);
    expect(admissionResponse('u', { allowed: false, status })).toEqual({
      uid: 'u',
      allowed: false,
      status: {
        code: 403,
        reason: 'Forbidden',
        message:
          'profile-owner-format: spec.owner.name "x" is bad; profile-name-reserved: metadata.name "kubeflow" is reserved',
      },
    });
  });

  it('writes the fields in one order: uid, allowed, status, patchType, patch, warnings, auditAnnotations', () => {
    const response = admissionResponse('u', {
      auditAnnotations: { decision: 'denied' },
      warnings: ['w'],
      patch: [{ op: 'remove', path: '/a' }],
      status: badRequestStatus('m'),
      allowed: false,
    });
    expect(Object.keys(response)).toEqual([
      'uid',
      'allowed',
      'status',
      'patchType',
      'patch',
      'warnings',
      'auditAnnotations',
    ]);
  });

  it('a bad request answers code 400', () => {
    expect(badRequestStatus('request.object: not a JSON object')).toEqual({
      code: 400,
      reason: 'BadRequest',
      message: 'request.object: not a JSON object',
    });
  });

  it('cuts warnings to 256 code points ending with …, never splitting a surrogate pair', () => {
    const long = warningText(finding('profile-owner-lowercase', '😀'.repeat(300)));
    expect(Array.from(long)).toHaveLength(MAX_WARNING_CHARS);
    expect(long.endsWith('😀…')).toBe(true);
    expect(long.startsWith('profile-owner-lowercase: 😀')).toBe(true);
    const exact = 'x'.repeat(256 - 'profile-owner-lowercase: '.length);
    expect(warningText(finding('profile-owner-lowercase', exact))).toBe(
      `profile-owner-lowercase: ${exact}`,
    );
  });

  it('turns control characters in warnings into spaces', () => {
    expect(warningText(finding('profile-owner-lowercase', 'a\nb\u0000c'))).toBe(
      'profile-owner-lowercase: a b c',
    );
  });

  it('annotates the decision and the rules that did not pass, Audit ones included', () => {
    expect(auditAnnotationsOf(evaluation({}))).toEqual({ decision: 'allowed' });
    const audit = finding('profile-owner-domain', 'm', 'Audit');
    expect(
      auditAnnotationsOf(
        evaluation({
          audits: [audit],
          evaluations: [
            { ruleId: 'profile-name-format', status: 'pass', mode: 'Enforce', findings: [] },
            { ruleId: 'profile-owner-domain', status: 'fail', mode: 'Audit', findings: [audit] },
          ],
        }),
      ),
    ).toEqual({ decision: 'allowed', rules: 'profile-owner-domain' });
    const warn = finding('profile-owner-lowercase', 'w', 'Warn');
    const deny = finding('profile-owner-format', 'd');
    expect(
      auditAnnotationsOf(
        evaluation({
          allowed: false,
          denials: [deny, deny],
          warnings: [warn],
          evaluations: [
            {
              ruleId: 'profile-owner-format',
              status: 'fail',
              mode: 'Enforce',
              findings: [deny, deny],
            },
            { ruleId: 'profile-owner-lowercase', status: 'fail', mode: 'Warn', findings: [warn] },
            { ruleId: 'profile-plugin', status: 'error', mode: 'Enforce', findings: [] },
          ],
        }),
      ),
    ).toEqual({
      decision: 'denied',
      rules: 'profile-owner-format,profile-owner-lowercase,profile-plugin',
    });
    expect(auditAnnotationsOf(evaluation({ warnings: [warn] }))).toEqual({
      decision: 'warned',
      rules: 'profile-owner-lowercase',
    });
  });
});
