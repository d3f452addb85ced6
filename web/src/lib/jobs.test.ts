import { describe, expect, it } from "vitest";

import { everyText, runDuration } from "./jobs";

describe("a job's period", () => {
  it("is said in the largest unit that divides it", () => {
    expect(everyText(3600)).toBe("every hour");
    expect(everyText(300)).toBe("every 5 minutes");
    expect(everyText(90)).toBe("every 90 seconds");
    expect(everyText(172_800)).toBe("every 2 days");
  });

  it("is 'not scheduled' when it is not positive", () => {
    expect(everyText(0)).toBe("not scheduled");
  });
});

describe("a run's duration", () => {
  it("is in seconds under a minute and in minutes after", () => {
    expect(runDuration("2024-01-01T00:00:00Z", "2024-01-01T00:00:01.250Z")).toBe("1.3 s");
    expect(runDuration("2024-01-01T00:00:00Z", "2024-01-01T00:03:04Z")).toBe("3 min 4 s");
  });

  it("is unknown while the run has not finished", () => {
    expect(runDuration("2024-01-01T00:00:00Z", null)).toBeNull();
  });
});
