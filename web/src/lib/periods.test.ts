import { lastClosedMonth, periodStartOf } from "./periods";

describe("billing periods", () => {
  it("finds the last closed period for a billing day", () => {
    const now = new Date(Date.UTC(2026, 11, 2, 10)); // 2 Dec 2026
    expect(lastClosedMonth(1, now)).toBe("2026-11");
    expect(lastClosedMonth(15, now)).toBe("2026-10"); // the current period began 15 Nov
    expect(lastClosedMonth(1, new Date(Date.UTC(2026, 0, 5)))).toBe("2025-12");
  });

  it("starts a period on the billing day at midnight UTC", () => {
    expect(periodStartOf("2024-01", 1)).toBe("2024-01-01T00:00:00.000Z");
    expect(periodStartOf("2024-02", 15)).toBe("2024-02-15T00:00:00.000Z");
  });
});
