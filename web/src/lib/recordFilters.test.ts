import { describe, expect, it } from "vitest";

import {
  activeFilterCount,
  EMPTY_FILTERS,
  filterProblems,
  parseRecordFilters,
  toUsageRecordFilter,
  writeRecordFilters,
} from "./recordFilters";

const USER = "6f1c2f8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f";

describe("record filters in the URL", () => {
  it("survive a round trip through the search parameters", () => {
    const filters = {
      ...EMPTY_FILTERS,
      metric: "api_calls",
      from: "2024-01-01T00:00:00.000Z",
      to: "2024-02-01T00:00:00.000Z",
      userId: USER,
      source: "gateway",
      billable: "false" as const,
    };
    expect(parseRecordFilters(writeRecordFilters(filters))).toEqual(filters);
  });

  it("leave unset filters out of the URL", () => {
    expect(writeRecordFilters({ ...EMPTY_FILTERS, metric: "sms" }).toString()).toBe("metric=sms");
  });

  it("drop an unreadable instant and an unknown billable value", () => {
    const parsed = parseRecordFilters(new URLSearchParams("from=yesterday&billable=maybe"));
    expect(parsed.from).toBe("");
    expect(parsed.billable).toBe("");
  });
});

describe("record filter problems", () => {
  it("name an id that is not a UUID", () => {
    expect(filterProblems({ ...EMPTY_FILTERS, spaceId: "abc" })).toEqual({ spaceId: "Enter a full id (a UUID)." });
  });

  it("name a window whose end is not after its start", () => {
    const problems = filterProblems({ ...EMPTY_FILTERS, from: "2024-02-01T00:00:00Z", to: "2024-01-01T00:00:00Z" });
    expect(Object.keys(problems)).toEqual(["to"]);
  });
});

describe("the GraphQL filter", () => {
  it("carries every set filter and nulls for the rest", () => {
    expect(toUsageRecordFilter({ ...EMPTY_FILTERS, metric: "sms", userId: USER, billable: "true" })).toEqual({
      companyId: null,
      metricCodes: ["sms"],
      from: null,
      to: null,
      userId: USER,
      spaceId: null,
      applicationId: null,
      source: null,
      billable: true,
    });
  });

  it("leaves out a filter with a problem rather than sending it", () => {
    expect(toUsageRecordFilter({ ...EMPTY_FILTERS, applicationId: "nope" }).applicationId).toBeNull();
  });

  it("counts the filters that are set", () => {
    expect(activeFilterCount({ ...EMPTY_FILTERS, metric: "sms", billable: "false" })).toBe(2);
  });
});
