import { register as globalRegistry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/bot/metrics.js";

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("createMetrics", () => {
  it("counts commands and approvals and records durations", async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.observeCommand("template.build", "ok", 0.3);
    metrics.observeCommand("template.build", "ok", 1.7);
    metrics.observeCommand("template.build", "forbidden", 0.01);
    metrics.observeApproval("approved");
    metrics.observeApproval("expired");
    metrics.observeApproval("expired");
    const text = await metrics.render();
    expect(sample(text, 'commands_total{command="template.build",outcome="ok"}')).toBe(2);
    expect(sample(text, 'commands_total{command="template.build",outcome="forbidden"}')).toBe(1);
    expect(sample(text, 'approvals_total{outcome="expired"}')).toBe(2);
    expect(sample(text, 'command_duration_seconds_count{command="template.build"}')).toBe(3);
    expect(sample(text, 'command_duration_seconds_bucket{le="0.5",command="template.build"}')).toBe(2);
    expect(sample(text, 'command_duration_seconds_sum{command="template.build"}')).toBeCloseTo(2.01, 5);
  });

  it("keeps label values bounded: chat text never becomes a series", async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.observeCommand("rm -rf / ; DROP TABLE", "ok", 0.1);
    metrics.observeCommand("vm.start", "Weird Outcome!", 0.1);
    const text = await metrics.render();
    expect(sample(text, 'commands_total{command="other",outcome="ok"}')).toBe(1);
    expect(sample(text, 'commands_total{command="vm.start",outcome="other"}')).toBe(1);
    expect(text).not.toContain("DROP");
  });

  it("fills the jobs gauge at scrape time, replacing states that went away", async () => {
    let counts: Record<string, number> = { waiting: 3, active: 1, failed: 2 };
    const metrics = createMetrics({ processMetrics: false, jobCounts: async () => counts });
    const first = await metrics.render();
    expect(sample(first, 'jobs{state="waiting"}')).toBe(3);
    expect(sample(first, 'jobs{state="failed"}')).toBe(2);
    counts = { waiting: 0, active: 4 };
    const second = await metrics.render();
    expect(sample(second, 'jobs{state="active"}')).toBe(4);
    expect(sample(second, 'jobs{state="failed"}')).toBeUndefined();
  });

  it("still answers when the job counts fail or hang, and counts the failure", async () => {
    const failing = createMetrics({
      processMetrics: false,
      jobCounts: () => Promise.reject(new Error("redis down")),
    });
    const text = await failing.render();
    expect(sample(text, 'metrics_collect_errors_total{source="jobs"}')).toBe(1);
    expect(text).not.toMatch(/^jobs\{/m);

    const hanging = createMetrics({
      processMetrics: false,
      jobCounts: () => new Promise(() => {}),
      jobCountsTimeoutMs: 50,
    });
    const started = Date.now();
    const hung = await hanging.render();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(sample(hung, 'metrics_collect_errors_total{source="jobs"}')).toBe(1);
  });

  it("uses its own registry: instances are independent and the global registry stays empty", async () => {
    const a = createMetrics();
    const b = createMetrics({ processMetrics: false });
    a.observeCommand("help", "ok", 0.01);
    expect(sample(await b.render(), 'commands_total{command="help",outcome="ok"}')).toBeUndefined();
    expect(await globalRegistry.getSingleMetricAsString("commands_total").catch(() => "absent")).toBe(
      "absent",
    );
    const withProcess = await a.render();
    expect(withProcess).toContain("process_cpu_user_seconds_total");
    expect(withProcess).toContain("nodejs_eventloop_lag_seconds");
    expect(a.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
