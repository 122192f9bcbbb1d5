import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UserError } from "../../src/services/errors.js";
import { payloadParser } from "../../src/services/jobs/definition.js";
import type { TemplateServices } from "../../src/services/templates/build/deps.js";
import { createTemplateBuildJob } from "../../src/services/templates/build/job.js";

describe("job payloads are checked again when a worker takes them", () => {
  const parse = payloadParser(z.object({ node: z.string().min(1), count: z.number().int() }), "test job");

  it("returns the typed data of a valid payload", () => {
    expect(parse({ node: "pve1", count: 2 })).toEqual({ node: "pve1", count: 2 });
  });

  it("names the first bad field of an invalid one, as E_ARGS", () => {
    let caught: unknown;
    try {
      parse({ node: "pve1", count: "two" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).code).toBe("E_ARGS");
    expect((caught as UserError).message).toMatch(/^invalid test job: count: /);
  });

  it("the template build job refuses a payload without its distro", () => {
    const job = createTemplateBuildJob({} as TemplateServices);
    expect(() => job.parse?.({ node: "pve1" })).toThrow(/^invalid build request: /);
  });
});
