/**
 * Readiness checks for `/readyz`. A check that throws, answers `ok: false`, or takes longer than the
 * timeout counts as failed; all checks run in parallel so one slow dependency costs one timeout, not many.
 */

export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface ReadinessCheck {
  /** Short, stable name shown in the response, e.g. `redis`, `proxmox`. */
  name: string;
  check: () => Promise<CheckResult>;
}

export interface CheckReport extends CheckResult {
  name: string;
  /** How long the check took, in milliseconds (capped at the timeout). */
  ms: number;
}

export interface ReadinessReport {
  ready: boolean;
  checks: CheckReport[];
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

async function runOne(
  check: ReadinessCheck,
  timeoutMs: number,
  scrub: (text: string) => string,
): Promise<CheckReport> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  let result: CheckResult;
  try {
    const answer = Promise.resolve()
      .then(() => check.check())
      .then(
        (r): CheckResult =>
          r && typeof r.ok === "boolean" ? r : { ok: false, detail: "check returned no result" },
        (err: unknown): CheckResult => ({
          ok: false,
          detail: err instanceof Error ? err.message : String(err),
        }),
      );
    result = await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
  const report: CheckReport = {
    name: check.name,
    ok: result.ok,
    ms: Math.round(performance.now() - started),
  };
  if (result.detail !== undefined) report.detail = scrub(result.detail);
  return report;
}

/** Runs every check; `ready` only when all pass. Never rejects. */
export async function runReadiness(
  checks: readonly ReadinessCheck[],
  options: { timeoutMs?: number; scrub?: (text: string) => string } = {},
): Promise<ReadinessReport> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const scrub = options.scrub ?? ((text: string) => text);
  const reports = await Promise.all(checks.map((check) => runOne(check, timeoutMs, scrub)));
  return { ready: reports.every((r) => r.ok), checks: reports };
}
