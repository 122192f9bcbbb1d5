/**
 * The unit tier: test files that need no Redis and start no child process (`npm run test:unit`). In-process
 * loopback servers (the PVE simulator, the fake Slack, the checksum mirror, the bot's own HTTP server) are
 * allowed: they start in milliseconds and need nothing installed. `npm test` runs this tier and the rest.
 *
 * The rule is enforced, not trusted: vitest.config.ts runs these files with REDIS_URL pointing at a closed
 * port and with `node:child_process` refusing to spawn (test/tiers/unit-setup.ts), in `npm test` as well,
 * so a file listed here that starts using Redis or a process fails at once. A file not listed here runs in
 * the integration tier; new files land there until someone moves them here.
 */
export const UNIT_TESTS = [
  "test/architecture/**/*.test.ts",
  "test/chat-kit/**/*.test.ts",
  "test/audit/sanitize.test.ts",
  "test/commands/**/*.test.ts",
  "test/config/ca-file.test.ts",
  "test/config/edge-cases.test.ts",
  "test/config/env.test.ts",
  "test/config/load.test.ts",
  "test/config/redact.test.ts",
  "test/config/secrets.test.ts",
  "test/console/console-adapter.test.ts",
  "test/console/console-contract.test.ts",
  "test/console/render.test.ts",
  "test/console/tty.test.ts",
  "test/http/config.test.ts",
  "test/http/limits.test.ts",
  "test/http/metrics.test.ts",
  "test/http/routes.test.ts",
  "test/http/server.test.ts",
  "test/jobs/bookkeeping.test.ts",
  "test/jobs/payload.test.ts",
  "test/jobs/progress.test.ts",
  "test/jobs/render.test.ts",
  "test/jobs/runner.test.ts",
  "test/locks/**/*.test.ts",
  "test/logger/**/*.test.ts",
  "test/provision/pacer.test.ts",
  "test/provision/sim.test.ts",
  "test/proxmox/**/*.test.ts",
  "test/sim/**/*.test.ts",
  "test/sim-mirror/**/*.test.ts",
  "test/slack/config.test.ts",
  "test/slack/fake.test.ts",
  "test/slack/groups.test.ts",
  "test/slack/manifest.test.ts",
  "test/slack/notify-only.test.ts",
  "test/slack/outbox.test.ts",
  "test/slack/readiness.test.ts",
  "test/slack/render.test.ts",
  "test/slack/socket.test.ts",
  "test/slack/verified-http.test.ts",
  "test/slack/verify.test.ts",
  "test/tasks/**/*.test.ts",
  "test/templates/catalog/**/*.test.ts",
  "test/tiers/**/*.test.ts",
  "test/updates/rollout.test.ts",
  "test/updates/summary.test.ts",
];
