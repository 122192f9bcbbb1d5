/** A button's form in the console: answers from a script's `:click` line, or asked field by field at a TTY. */
import { describe, expect, it } from "vitest";
import { answersAsked, answersFromText } from "../../src/adapters/console/prompt.js";
import type { ReplyPrompt } from "../../src/services/vocabulary/reply.js";

const silence: ReplyPrompt = {
  title: "Silence alert group",
  submit: "Silence",
  fields: [
    { id: "duration", label: "Duration", maxLength: 10 },
    { id: "comment", label: "Comment", required: false },
  ],
};

describe("console forms", () => {
  it("reads name=value pairs from the click line, values may hold spaces", () => {
    expect(answersFromText(silence, "duration=2h comment=rack move in row 4")).toEqual({
      ok: true,
      values: { duration: "2h", comment: "rack move in row 4" },
    });
  });

  it("takes text without pairs as the first field's answer, and names a missing required field", () => {
    expect(answersFromText(silence, "4h")).toEqual({ ok: true, values: { duration: "4h" } });
    expect(answersFromText(silence, "comment=just because")).toEqual({
      ok: false,
      message: "Duration is required (:click <n> duration=…)",
    });
    expect(answersFromText(silence, "duration=123456789012")).toEqual({
      ok: false,
      message: "Duration is at most 10 characters",
    });
  });

  it("asks each field at a TTY, leaving out empty optional answers", async () => {
    const asked: string[] = [];
    const answers = ["30m", ""];
    const result = await answersAsked(silence, async (q) => {
      asked.push(q);
      return answers.shift()!;
    });
    expect(asked).toEqual(["Silence alert group · Duration: ", "Silence alert group · Comment (optional): "]);
    expect(result).toEqual({ ok: true, values: { duration: "30m" } });
  });
});
