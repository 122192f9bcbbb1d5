{{/* Names and labels shared by every object of the release. */}}
{{- define "proxmox-chatops.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "proxmox-chatops.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "proxmox-chatops.labels" -}}
{{ include "proxmox-chatops.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "proxmox-chatops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "proxmox-chatops.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
One Deployment per role. Called with a dict: root (the chart context), role (frontend|worker), args (the
CLI arguments) and spec (.Values.frontend or .Values.worker).
*/}}
{{- define "proxmox-chatops.deployment" -}}
{{- $root := .root -}}
{{- $spec := .spec -}}
{{- $fullname := include "proxmox-chatops.fullname" $root -}}
{{- $secret := required "secrets.existingSecret: name the Secret that holds the bot's tokens" $root.Values.secrets.existingSecret -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}-{{ .role }}
  labels:
    {{- include "proxmox-chatops.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
spec:
  replicas: {{ $spec.replicas }}
  selector:
    matchLabels:
      {{- include "proxmox-chatops.selectorLabels" $root | nindent 6 }}
      app.kubernetes.io/component: {{ .role }}
  template:
    metadata:
      labels:
        {{- include "proxmox-chatops.selectorLabels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .role }}
        # Front-ends and workers both serve /readyz and /metrics: the admin Service selects on this.
        proxmox-chatops/process: bot
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with $spec.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "proxmox-chatops.serviceAccountName" $root }}
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      # Jobs in flight finish or go back to the queue on SIGTERM; give them time.
      terminationGracePeriodSeconds: 60
      containers:
        - name: {{ .role }}
          image: "{{ $root.Values.image.repository }}:{{ $root.Values.image.tag | default $root.Chart.AppVersion }}"
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args:
            {{- toYaml .args | nindent 12 }}
          env:
            - name: PVEBOT_CONFIG
              value: /config/config.yml
            - name: PVEBOT_HTTP_HOST
              value: 0.0.0.0
            - name: PVEBOT_HTTP_PORT
              value: {{ $root.Values.http.port | quote }}
            - name: PVEBOT_HTTP_ADMIN_HOST
              value: 0.0.0.0
            - name: PVEBOT_HTTP_ADMIN_PORT
              value: {{ $root.Values.http.adminPort | quote }}
            {{- if $root.Values.redis.enabled }}
            - name: REDIS_URL
              value: redis://{{ $fullname }}-redis:6379
            {{- else if $root.Values.redis.urlSecretKey }}
            - name: REDIS_URL_FILE
              value: /run/secrets/proxmox-chatops/{{ $root.Values.redis.urlSecretKey }}
            {{- else }}
            - name: REDIS_URL
              value: {{ required "redis.url or redis.urlSecretKey: an external Redis needs its URL" $root.Values.redis.url | quote }}
            {{- end }}
            {{- with $root.Values.redis.prefix }}
            - name: PVEBOT_REDIS_PREFIX
              value: {{ . | quote }}
            {{- end }}
            {{- range $name, $key := $root.Values.secrets.keys }}
            - name: {{ $name }}_FILE
              value: /run/secrets/proxmox-chatops/{{ $key }}
            {{- end }}
          ports:
            - name: http
              containerPort: {{ $root.Values.http.port }}
            - name: admin
              containerPort: {{ $root.Values.http.adminPort }}
          startupProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            timeoutSeconds: 3
          readinessProbe:
            httpGet: { path: /readyz, port: admin }
            periodSeconds: 10
            timeoutSeconds: 5
          resources:
            {{- toYaml $spec.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - { name: config, mountPath: /config, readOnly: true }
            - { name: secrets, mountPath: /run/secrets/proxmox-chatops, readOnly: true }
            - { name: tmp, mountPath: /tmp }
      volumes:
        - name: config
          configMap:
            name: {{ $fullname }}
        - name: secrets
          secret:
            secretName: {{ $secret }}
            defaultMode: 0400
            items:
              {{- range $name, $key := $root.Values.secrets.keys }}
              - { key: {{ $key }}, path: {{ $key }} }
              {{- end }}
              {{- if and (not $root.Values.redis.enabled) $root.Values.redis.urlSecretKey }}
              - { key: {{ $root.Values.redis.urlSecretKey }}, path: {{ $root.Values.redis.urlSecretKey }} }
              {{- end }}
        - name: tmp
          emptyDir: {}
      {{- with $spec.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $spec.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $spec.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
