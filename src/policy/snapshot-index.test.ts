import { SnapshotIndex } from './snapshot-index.js';

const profile = (name: string, owner: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'Profile',
  metadata: {
    name,
    labels,
    resourceVersion: '7',
    managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }],
  },
  spec: { owner: { kind: 'User', name: owner }, resourceQuotaSpec: { hard: { cpu: '4' } } },
});

const namespace = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...extra },
});

const binding = (ns: string, name: string, role = 'kubeflow-edit', user = 'bob@example.com') => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name, namespace: ns, annotations: { user }, managedFields: [{ manager: 'x' }] },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
});

describe('SnapshotIndex', () => {
  it('starts unsynced and empty', () => {
    const index = new SnapshotIndex();
    expect(index.state).toBe('unsynced');
    expect(index.counts()).toEqual({ Profile: 0, Namespace: 0, RoleBinding: 0 });
    expect(index.profilesOwnedBy('a')).toEqual([]);
    expect(index.roleBindingsIn('a')).toEqual([]);
  });

  it('stores lean Profile records only', () => {
    const index = new SnapshotIndex();
    expect(index.upsert(profile('alice', 'alice@example.com', { team: 'a' }))).toBe(true);
    expect(index.getProfile('alice')).toEqual({
      name: 'alice',
      ownerKind: 'User',
      ownerName: 'alice@example.com',
      labels: { team: 'a' },
      pluginIdentities: [],
    });
    expect(Object.isFrozen(index.getProfile('alice'))).toBe(true);
  });

  it('indexes Profiles by the plugin identities they name, through replace and remove', () => {
    const withPlugins = (name: string, owner: string, plugins: unknown[]) => {
      const base = profile(name, owner);
      return { ...base, spec: { ...base.spec, plugins } };
    };
    const gsa = (gcpServiceAccount: string) => ({
      kind: 'WorkloadIdentity',
      spec: { gcpServiceAccount },
    });
    const role = (awsIamRole: string) => ({
      kind: 'AwsIamForServiceAccount',
      spec: { awsIamRole },
    });
    const index = new SnapshotIndex();
    index.upsert(
      withPlugins('bob', 'bob@example.com', [
        gsa('Bob-SA@bob-project.iam.gserviceaccount.com'),
        gsa('bob-sa@bob-project.iam.gserviceaccount.com'),
        role('arn:aws:iam::123456789012:role/team/Bob-Role'),
        { kind: 'Other', spec: { gcpServiceAccount: 'ignored@x.iam.gserviceaccount.com' } },
        gsa(''),
        'not a plugin',
      ]),
    );
    index.upsert(
      withPlugins('bob2', 'bob@example.com', [role('arn:aws:iam::999999999999:role/bob-role')]),
    );
    expect(index.getProfile('bob')?.pluginIdentities).toEqual([
      'gcp:bob-sa@bob-project.iam.gserviceaccount.com',
      'aws-role:bob-role',
    ]);
    const names = (key: string) => index.profilesWithPluginIdentity(key).map((p) => p.name);
    expect(names('aws-role:bob-role')).toEqual(['bob', 'bob2']);
    expect(names('gcp:bob-sa@bob-project.iam.gserviceaccount.com')).toEqual(['bob']);
    expect(names('gcp:ignored@x.iam.gserviceaccount.com')).toEqual([]);
    // A new version naming other identities replaces the old keys.
    index.upsert(
      withPlugins('bob', 'bob@example.com', [gsa('new@bob-project.iam.gserviceaccount.com')]),
    );
    expect(names('gcp:bob-sa@bob-project.iam.gserviceaccount.com')).toEqual([]);
    expect(names('aws-role:bob-role')).toEqual(['bob2']);
    expect(names('gcp:new@bob-project.iam.gserviceaccount.com')).toEqual(['bob']);
    index.remove(profile('bob2', 'bob@example.com'));
    expect(names('aws-role:bob-role')).toEqual([]);
    index.clear('Profile');
    expect(names('gcp:new@bob-project.iam.gserviceaccount.com')).toEqual([]);
  });

  it('accepts v1beta1 Profiles and ignores other kinds and versions', () => {
    const index = new SnapshotIndex();
    expect(index.upsert({ ...profile('b', 'o@x.io'), apiVersion: 'kubeflow.org/v1beta1' })).toBe(
      true,
    );
    expect(index.upsert({ ...profile('c', 'o@x.io'), apiVersion: 'example.com/v1' })).toBe(false);
    expect(index.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).toBe(false);
    expect(index.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: {} })).toBe(false);
    expect(index.upsert('nonsense')).toBe(false);
    expect(index.upsert(null)).toBe(false);
    expect(index.remove({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).toBe(false);
    expect(index.counts()).toEqual({ Profile: 1, Namespace: 0, RoleBinding: 0 });
  });

  it('stores lean Namespace records with owner annotation and owning Profile', () => {
    const index = new SnapshotIndex();
    index.upsert(
      namespace('alice', {
        labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
        annotations: { owner: 'alice@example.com', big: 'x'.repeat(1000) },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Profile', name: 'not-kubeflow' },
          { apiVersion: 'kubeflow.org/v1', kind: 'Profile', name: 'alice', uid: 'u' },
        ],
      }),
    );
    index.upsert(namespace('plain'));
    expect(index.getNamespace('alice')).toEqual({
      name: 'alice',
      labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
      ownerAnnotation: 'alice@example.com',
      ownerProfile: 'alice',
    });
    expect(index.getNamespace('plain')).toEqual({
      name: 'plain',
      labels: {},
      ownerAnnotation: undefined,
      ownerProfile: undefined,
    });
  });

  it('stores lean RoleBinding records without managedFields or annotations', () => {
    const index = new SnapshotIndex();
    index.upsert(binding('alice', 'rb'));
    const [record] = index.roleBindingsIn('alice');
    expect(record).toEqual({
      namespace: 'alice',
      name: 'rb',
      roleRefKind: 'ClusterRole',
      roleRefName: 'kubeflow-edit',
      subjects: [{ kind: 'User', name: 'bob@example.com', namespace: undefined }],
    });
    expect(Object.keys(record!).sort()).toEqual([
      'name',
      'namespace',
      'roleRefKind',
      'roleRefName',
      'subjects',
    ]);
    expect(JSON.stringify(record)).not.toContain('managedFields');
  });

  it('keeps malformed subjects out and survives garbage fields', () => {
    const index = new SnapshotIndex();
    index.upsert({
      ...binding('ns', 'rb'),
      subjects: [null, 'x', { kind: 'ServiceAccount', name: 'sa', namespace: 'kubeflow' }],
      roleRef: 'bad',
    });
    expect(index.roleBindingsIn('ns')[0]).toEqual({
      namespace: 'ns',
      name: 'rb',
      roleRefKind: '',
      roleRefName: '',
      subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'kubeflow' }],
    });
  });

  it('indexes Profiles by owner and follows owner changes', () => {
    const index = new SnapshotIndex();
    index.upsert(profile('p1', 'alice@example.com'));
    index.upsert(profile('p2', 'alice@example.com'));
    index.upsert(profile('p3', 'bob@example.com'));
    expect(index.profilesOwnedBy('alice@example.com').map((p) => p.name)).toEqual(['p1', 'p2']);

    index.upsert(profile('p1', 'bob@example.com'));
    expect(index.profilesOwnedBy('alice@example.com').map((p) => p.name)).toEqual(['p2']);
    expect(
      index
        .profilesOwnedBy('bob@example.com')
        .map((p) => p.name)
        .sort(),
    ).toEqual(['p1', 'p3']);

    index.remove(profile('p2', 'ignored-owner'));
    expect(index.profilesOwnedBy('alice@example.com')).toEqual([]);
    expect(index.getProfile('p2')).toBeUndefined();
    expect(index.counts().Profile).toBe(2);
  });

  it('is case-sensitive on owners, as RBAC is', () => {
    const index = new SnapshotIndex();
    index.upsert(profile('p1', 'Alice@example.com'));
    expect(index.profilesOwnedBy('alice@example.com')).toEqual([]);
    expect(index.profilesOwnedBy('Alice@example.com')).toHaveLength(1);
  });

  it('indexes RoleBindings per namespace; upsert replaces, remove deletes', () => {
    const index = new SnapshotIndex();
    index.upsert(binding('a', 'x'));
    index.upsert(binding('a', 'y'));
    index.upsert(binding('b', 'x'));
    index.upsert(binding('a', 'x', 'kubeflow-view'));
    expect(index.counts().RoleBinding).toBe(3);
    expect(index.roleBindingsIn('a').map((rb) => `${rb.name}:${rb.roleRefName}`)).toEqual([
      'x:kubeflow-view',
      'y:kubeflow-edit',
    ]);
    expect(index.remove(binding('a', 'x'))).toBe(true);
    expect(index.remove(binding('a', 'x'))).toBe(true);
    expect(index.counts().RoleBinding).toBe(2);
    expect(index.roleBindingsIn('a').map((rb) => rb.name)).toEqual(['y']);
    expect(index.roleBindingsIn('b').map((rb) => rb.name)).toEqual(['x']);
  });

  it('returns the same frozen array until the collection changes', () => {
    const index = new SnapshotIndex();
    index.upsert(binding('a', 'x'));
    const first = index.roleBindingsIn('a');
    expect(Object.isFrozen(first)).toBe(true);
    expect(index.roleBindingsIn('a')).toBe(first);
    index.upsert(binding('b', 'x'));
    expect(index.roleBindingsIn('a')).toBe(first);
    index.upsert(binding('a', 'y'));
    const second = index.roleBindingsIn('a');
    expect(second).not.toBe(first);
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(2);

    index.upsert(profile('p', 'o'));
    const owned = index.profilesOwnedBy('o');
    expect(index.profilesOwnedBy('o')).toBe(owned);
    index.upsert(profile('q', 'o'));
    expect(index.profilesOwnedBy('o')).toHaveLength(2);
  });

  it('clears one kind or all', () => {
    const index = new SnapshotIndex();
    index.upsert(profile('p', 'o'));
    index.upsert(namespace('n'));
    index.upsert(binding('n', 'b'));
    index.clear('RoleBinding');
    expect(index.counts()).toEqual({ Profile: 1, Namespace: 1, RoleBinding: 0 });
    expect(index.roleBindingsIn('n')).toEqual([]);
    index.clear();
    expect(index.counts()).toEqual({ Profile: 0, Namespace: 0, RoleBinding: 0 });
    expect(index.profilesOwnedBy('o')).toEqual([]);
  });

  it('replaces one kind atomically from lean records', () => {
    const index = new SnapshotIndex();
    index.upsert(binding('a', 'old'));
    index.upsert(profile('p', 'o'));
    const records = [binding('a', 'new'), binding('c', 'new')].map((rb) => index.toRecord(rb)!);
    index.replace('RoleBinding', records);
    expect(index.roleBindingsIn('a').map((rb) => rb.name)).toEqual(['new']);
    expect(index.roleBindingsIn('c').map((rb) => rb.name)).toEqual(['new']);
    expect(index.counts()).toEqual({ Profile: 1, Namespace: 0, RoleBinding: 2 });
  });

  it('builds a synced index from objects and Lists', () => {
    const index = SnapshotIndex.fromObjects([
      { apiVersion: 'v1', kind: 'List', items: [profile('p', 'o'), namespace('p')] },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBindingList',
        items: [binding('p', 'b1'), binding('p', 'b2')],
      },
      binding('q', 'b3'),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'p' } },
      { apiVersion: 'v1', kind: 'List', items: [{ kind: 'List', items: [namespace('nested')] }] },
    ]);
    expect(index.state).toBe('synced');
    expect(index.counts()).toEqual({ Profile: 1, Namespace: 2, RoleBinding: 3 });
    expect(index.getNamespace('nested')?.name).toBe('nested');
    expect(index.roleBindingsIn('p').map((rb) => rb.name)).toEqual(['b1', 'b2']);
  });

  it('reports the kind of raw objects', () => {
    expect(SnapshotIndex.kindOf(profile('p', 'o'))).toBe('Profile');
    expect(SnapshotIndex.kindOf(namespace('n'))).toBe('Namespace');
    expect(SnapshotIndex.kindOf(binding('n', 'b'))).toBe('RoleBinding');
    expect(
      SnapshotIndex.kindOf({
        apiVersion: 'rbac.authorization.k8s.io/v1beta1',
        kind: 'RoleBinding',
      }),
    ).toBe(undefined);
    expect(SnapshotIndex.kindOf(undefined)).toBeUndefined();
  });
});
