/**
 * The button table: every button the bot makes is recognized by exactly one route, which reads back only
 * what the id carries; ids the bot never makes are recognized by none (and so refused, see
 * dispatcher-actions.test.ts).
 */
import { describe, expect, it } from "vitest";
import { ACTION_ROUTES } from "../../src/bot/pipeline/router.js";
import { approvalActionId, newApprovalId } from "../../src/services/approvals/index.js";
import { cancelActionId } from "../../src/services/jobs/render.js";

function recognizing(actionId: string) {
  return ACTION_ROUTES.flatMap((route) => {
    const parsed = route.parse(actionId);
    return parsed === undefined ? [] : [{ route: route.name, parsed }];
  });
}

describe("ACTION_ROUTES", () => {
  it("names each route once", () => {
    const names = ACTION_ROUTES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(["approve", "deny"] as const)(
    "routes an approval card's %s button to the approval route",
    (verdict) => {
      const id = newApprovalId();
      expect(recognizing(approvalActionId(id, verdict))).toEqual([
        { route: "approval", parsed: { id, verdict } },
      ]);
    },
  );

  it("routes a job card's Cancel button to the job-cancel route with the job id as the argument", () => {
    expect(recognizing(cancelActionId("j42"))).toEqual([{ route: "job-cancel", parsed: { id: "j42" } }]);
  });

  it.each([
    "",
    "approval:short:approve",
    "approval:AAAAAAAAAAAAAAAA:maybe",
    "approval:../../x:approve",
    "job:j1:restart",
    "job::cancel",
    `job:${"a".repeat(65)}:cancel`,
    "job:j1:cancel:extra",
    " job:j1:cancel",
    "JOB:j1:CANCEL",
  ])("recognizes no route for %j", (actionId) => {
    expect(recognizing(actionId)).toEqual([]);
  });
});
