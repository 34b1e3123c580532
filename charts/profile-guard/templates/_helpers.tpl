{{/*
Chart name, truncated to 63 characters (a DNS label).
*/}}
{{- define "profile-guard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects: <release>-<chart>, or the release name when it already contains
the chart name. Truncated to 63 characters; Secrets and Certificates append a suffix, so the base is
kept at 56.
*/}}
{{- define "profile-guard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 56 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 56 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 56 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart label value: name-version.
*/}}
{{- define "profile-guard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: stable across upgrades (a Deployment's selector is immutable).
*/}}
{{- define "profile-guard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "profile-guard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Common labels of every object.
*/}}
{{- define "profile-guard.labels" -}}
helm.sh/chart: {{ include "profile-guard.chart" . }}
{{ include "profile-guard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: profile-guard
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Labels of the hook and test objects. Their app.kubernetes.io/name differs from the webhook's, so
that no Service, PodDisruptionBudget or NetworkPolicy selecting the webhook pods selects them.
Arguments: dict "root" $ "component" "selftest".
*/}}
{{- define "profile-guard.hookLabels" -}}
{{- $root := .root -}}
helm.sh/chart: {{ include "profile-guard.chart" $root }}
app.kubernetes.io/name: {{ printf "%s-%s" (include "profile-guard.name" $root) .component | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: profile-guard
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
ServiceAccount name.
*/}}
{{- define "profile-guard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "profile-guard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Name of the TLS Secret mounted at /certs.
*/}}
{{- define "profile-guard.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "profile-guard.fullname" .)) .Values.certs.secretName }}
{{- end }}

{{/*
Name of the serving Certificate (cert-manager mode); the webhook configurations inject its CA.
*/}}
{{- define "profile-guard.servingCertificateName" -}}
{{- printf "%s-serving" (include "profile-guard.fullname" .) }}
{{- end }}

{{/*
Container image reference: repository@digest, or repository:tag (tag defaults to appVersion).
*/}}
{{- define "profile-guard.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Names that no webhook may ever see: kube-system, the release namespace (the webhook must be able to
start even when it is down) and profileNamespaces.excludedNamespaces.
*/}}
{{- define "profile-guard.excludedNamespaces" -}}
{{- $list := list "kube-system" .Release.Namespace }}
{{- range .Values.profileNamespaces.excludedNamespaces }}
{{- $list = append $list . }}
{{- end }}
{{- toJson (uniq $list) }}
{{- end }}

{{/*
The same names as a CEL list literal.
*/}}
{{- define "profile-guard.excludedNamespacesCel" -}}
{{- $quoted := list }}
{{- range (include "profile-guard.excludedNamespaces" . | fromJsonArray) }}
{{- $quoted = append $quoted (printf "'%s'" .) }}
{{- end }}
{{- printf "[%s]" (join ", " $quoted) }}
{{- end }}

{{/*
namespaceSelector expression excluding those namespaces. For a Namespace object itself the API
server matches namespaceSelector against the object's own labels, which always include
kubernetes.io/metadata.name, so this works for the Namespace webhook as well.
*/}}
{{- define "profile-guard.excludeNamespacesExpression" -}}
- key: kubernetes.io/metadata.name
  operator: NotIn
  values: {{ include "profile-guard.excludedNamespaces" . }}
{{- end }}

{{/*
Common CEL matchConditions (rendered only when matchConditions.enabled).
*/}}
{{- define "profile-guard.commonMatchConditions" -}}
{{- if .Values.matchConditions.skipSelf }}
- name: not-profile-guard-itself
  expression: {{ printf "request.userInfo.username != 'system:serviceaccount:%s:%s'" .Release.Namespace (include "profile-guard.serviceAccountName" .) | quote }}
{{- end }}
{{- if .Values.matchConditions.skipKubeSystemServiceAccounts }}
- name: not-kube-system-controllers
  expression: "!request.userInfo.username.startsWith('system:serviceaccount:kube-system:')"
{{- end }}
{{- end }}

{{/*
CEL matchCondition that skips cluster administrators (group system:masters) on the RBAC and
AuthorizationPolicy webhooks, so that an outage never stops an admin from repairing access.
*/}}
{{- define "profile-guard.skipSystemMastersMatchCondition" -}}
{{- if .Values.matchConditions.skipSystemMasters }}
- name: not-system-masters
  expression: "!('system:masters' in request.userInfo.groups)"
{{- end }}
{{- end }}

{{/*
CEL matchCondition that skips kube-controller-manager running without
--use-service-account-credentials (every controller as the plain user system:kube-controller-manager)
on the RBAC and AuthorizationPolicy webhooks: its garbage collector and namespace controller delete
the RoleBindings and AuthorizationPolicies of a deleted profile's namespace, and an outage must not
leave that namespace terminating.
*/}}
{{- define "profile-guard.skipKubeControllerManagerMatchCondition" -}}
{{- if .Values.matchConditions.skipKubeControllerManager }}
- name: not-kube-controller-manager
  expression: "request.userInfo.username != 'system:kube-controller-manager'"
{{- end }}
{{- end }}

{{/*
The matchConditions of the RBAC and AuthorizationPolicy webhooks (common, admins,
kube-controller-manager), one YAML list.
*/}}
{{- define "profile-guard.rbacMatchConditions" -}}
{{- $parts := list }}
{{- range (list "commonMatchConditions" "skipSystemMastersMatchCondition" "skipKubeControllerManagerMatchCondition") }}
{{- with include (printf "profile-guard.%s" .) $ | trim }}
{{- $parts = append $parts . }}
{{- end }}
{{- end }}
{{- join "\n" $parts }}
{{- end }}

{{/*
The bindings.allowedRoles of the policy the chart installs (JSON list): policy.file.content's
with policy.file.enabled, policy.spec's with policy.create; a policy that leaves the field out,
or no policy from the chart at all (the embedded default governs), means the contract's default.
*/}}
{{- define "profile-guard.policyAllowedRoles" -}}
{{- $default := list "kubeflow-admin" "kubeflow-edit" "kubeflow-view" }}
{{- $roles := $default }}
{{- if .Values.policy.file.enabled }}
{{- $roles = dig "spec" "bindings" "allowedRoles" $default (.Values.policy.file.content | default dict) }}
{{- else if .Values.policy.create }}
{{- $roles = dig "bindings" "allowedRoles" $default .Values.policy.spec }}
{{- end }}
{{- toJson $roles }}
{{- end }}

{{/*
The ClusterRoles whose ClusterRoleBindings reach clusterrolebindings.validate (JSON list, which is
also a CEL list literal): webhooks.validate.clusterRoleBindings.roleNames when not empty, else the
policy's bindings.allowedRoles. clusterbinding-profile-role judges only bindings of those roles, so
nothing else needs to wait for the webhook.
*/}}
{{- define "profile-guard.clusterRoleBindingRoles" -}}
{{- with .Values.webhooks.validate.clusterRoleBindings.roleNames }}
{{- toJson . }}
{{- else }}
{{- include "profile-guard.policyAllowedRoles" . }}
{{- end }}
{{- end }}

{{/*
Webhook client config: the chart's Service, and the CA bundle in certs-scripts mode.
Arguments: dict "root" $ "path" "/validate".
*/}}
{{- define "profile-guard.clientConfig" -}}
{{- $root := .root -}}
clientConfig:
  service:
    name: {{ include "profile-guard.fullname" $root }}
    namespace: {{ $root.Release.Namespace }}
    path: {{ .path }}
    port: {{ $root.Values.service.port }}
  {{- if eq $root.Values.certs.mode "certs-scripts" }}
  caBundle: {{ required "certs.caBundle (base64 of the PEM CA that signed the serving certificate, e.g. from certs-scripts/generate.sh) is required when certs.mode is certs-scripts" $root.Values.certs.caBundle }}
  {{- end }}
{{- end }}

{{/*
Annotations of the webhook configurations: webhookAnnotations, and in cert-manager mode the one
that makes cert-manager's cainjector fill in caBundle (it wins over a webhookAnnotations entry of
the same key: the chart's TLS depends on it).
*/}}
{{- define "profile-guard.webhookAnnotations" -}}
{{- $annotations := deepCopy (.Values.webhookAnnotations | default dict) }}
{{- if eq .Values.certs.mode "cert-manager" }}
{{- $_ := set $annotations "cert-manager.io/inject-ca-from" (printf "%s/%s" .Release.Namespace (include "profile-guard.servingCertificateName" .)) }}
{{- end }}
{{- with $annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
namespaceSelector expression of the namespace opt-out: namespaces carrying
namespaceOptOut.label are not sent. Empty when the opt-out is off.
*/}}
{{- define "profile-guard.optOutExpression" -}}
{{- with .Values.namespaceOptOut.label }}
- key: {{ . }}
  operator: DoesNotExist
{{- end }}
{{- end }}

{{/*
The kubectl image of the hook Jobs: repository@digest, or repository:tag.
*/}}
{{- define "profile-guard.hookImage" -}}
{{- if .Values.hooks.image.digest }}
{{- printf "%s@%s" .Values.hooks.image.repository .Values.hooks.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.hooks.image.repository .Values.hooks.image.tag }}
{{- end }}
{{- end }}

{{/*
Pod spec fields every hook pod shares: no restarts, the chart's pod security, scheduling and pull
secrets. Arguments: the root context.
*/}}
{{- define "profile-guard.hookPodCommon" -}}
restartPolicy: Never
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Annotations of a hook object. Arguments: dict "hook" "pre-upgrade" "weight" "-1".
*/}}
{{- define "profile-guard.hookAnnotations" -}}
helm.sh/hook: {{ .hook }}
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

{{/*
Profile-namespace selector for the RoleBinding and AuthorizationPolicy webhooks.
*/}}
{{- define "profile-guard.profileNamespaceSelector" -}}
namespaceSelector:
  {{- with .Values.profileNamespaces.label }}
  matchLabels:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  matchExpressions:
    {{- include "profile-guard.excludeNamespacesExpression" . | nindent 4 }}
    {{- with include "profile-guard.optOutExpression" . | trim }}
    {{- . | nindent 4 }}
    {{- end }}
{{- end }}

{{/*
Fields every webhook shares.
*/}}
{{- define "profile-guard.webhookCommon" -}}
admissionReviewVersions: ["v1"]
sideEffects: NoneOnDryRun
matchPolicy: Equivalent
timeoutSeconds: {{ .Values.webhooks.timeoutSeconds }}
{{- end }}

{{/*
Names of the native admission policies the server writes (serve --native-prefix <fullname>), as
profile-guard native names them: one ValidatingAdmissionPolicy per rule mode plus the ratcheting
warnings, and the defaults MutatingAdmissionPolicy. A JSON object {validating: [...], mutating: [...]};
test/unit/chart-render.test.ts checks it against the generator.
*/}}
{{- define "profile-guard.nativePolicyNames" -}}
{{- $prefix := printf "%s-profiles" (include "profile-guard.fullname" .) }}
{{- $validating := list }}
{{- range list "enforce" "ratcheted" "warn" "audit" }}
{{- $validating = append $validating (printf "%s-%s" $prefix .) }}
{{- end }}
{{- toJson (dict "validating" $validating "mutating" (list (printf "%s-defaults" $prefix))) }}
{{- end }}

{{/*
failurePolicy of a Profile webhook: Ignore in native backstop mode (the native policies enforce
the stateless Profile rules and defaults while the webhook is unreachable), else the value given.
Arguments: dict "root" $ "value" <failurePolicy>.
*/}}
{{- define "profile-guard.profileFailurePolicy" -}}
{{- if .root.Values.native.backstop }}
{{- if not .root.Values.native.enabled }}
{{- fail "native.backstop needs native.enabled: without the native policies nothing enforces the Profile rules while the webhook is down" }}
{{- end }}
{{- "Ignore" }}
{{- else }}
{{- .value }}
{{- end }}
{{- end }}

{{/*
matchResources of every native policy binding: Profile writes only.
*/}}
{{- define "profile-guard.nativeMatchResources" -}}
matchResources:
  resourceRules:
    - apiGroups: ["kubeflow.org"]
      apiVersions: ["v1", "v1beta1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["profiles"]
      scope: Cluster
{{- end }}
