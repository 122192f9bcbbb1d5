import { defineConfig } from "vitest/config";
import { UNIT_TESTS } from "./test/tiers/unit.js";

/** Nothing listens on port 1: a unit-tier test that opens Redis fails at once with ECONNREFUSED. */
const NO_REDIS = "redis://127.0.0.1:1";

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Real Redis and real servers: keep parallelism modest on a 2-core machine.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: UNIT_TESTS,
          env: { REDIS_URL: NO_REDIS },
          setupFiles: ["test/tiers/unit-setup.ts"],
        },
      },
      {
        extends: true,
        test: { name: "integration", include: ["test/**/*.test.ts"], exclude: UNIT_TESTS },
      },
    ],
  },
});
