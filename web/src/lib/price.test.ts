import { addTier, builderField, checkPrice, emptyPrice, removeTier, withModel } from "./price";

describe("the price builder's checks", () => {
  it("turns a per-unit draft into the API's PriceInput", () => {
    const draft = { ...emptyPrice("PER_UNIT"), unitPrice: "0.012", freeUnits: "100" };
    expect(checkPrice(draft)).toEqual({
      input: { model: "PER_UNIT", rounding: "NONE", freeUnits: "100", tierBasis: "TOTAL", unitPrice: "0.012" },
      problems: {},
    });
  });

  it("asks for a unit price and refuses text that is not a number", () => {
    expect(checkPrice(emptyPrice("PER_UNIT")).problems).toEqual({ unitPrice: "A unit price is required" });
    const typed = checkPrice({ ...emptyPrice("PER_UNIT"), unitPrice: "1,5" });
    expect(typed.input).toBeNull();
    expect(typed.problems.unitPrice).toMatch(/must be a number/);
  });

  it("needs a package size above zero and a package price", () => {
    const checked = checkPrice({ ...emptyPrice("PACKAGE"), packageSize: "0" });
    expect(checked.problems).toEqual({
      packageSize: "A package must hold more than zero units",
      packagePrice: "A package price is required",
    });
    const good = checkPrice({ ...emptyPrice("PACKAGE"), packageSize: "1000", packagePrice: "5" });
    expect(good.input).toMatchObject({ model: "PACKAGE", packageSize: "1000", packagePrice: "5", rounding: "UP" });
  });

  it("builds graduated tiers, the last one open-ended", () => {
    const draft = {
      ...emptyPrice("GRADUATED"),
      tiers: [
        { upTo: "1000", unitPrice: "2", flatFee: "" },
        { upTo: "", unitPrice: "1", flatFee: "10" },
      ],
    };
    expect(checkPrice(draft).input?.tiers).toEqual([
      { upTo: "1000", unitPrice: "2", flatFee: null },
      { upTo: null, unitPrice: "1", flatFee: "10" },
    ]);
  });

  it("puts each tier mistake on its own cell", () => {
    const draft = {
      ...emptyPrice("VOLUME"),
      tiers: [
        { upTo: "0", unitPrice: "2", flatFee: "" },
        { upTo: "", unitPrice: "", flatFee: "" },
        { upTo: "500", unitPrice: "1", flatFee: "" },
      ],
    };
    expect(checkPrice(draft).problems).toEqual({
      "tiers[0].unitPrice": "The first tier ends at 0, so it holds no units: leave its price empty or 0",
      "tiers[1].upTo": "Only the last tier may be open-ended",
      "tiers[1].unitPrice": "A tier needs a unit price, a flat fee or both",
      "tiers[2].upTo": "Leave the last tier's bound empty so every quantity has a price",
    });
  });

  it("accepts a first tier ending at 0 with no price, as a free tier", () => {
    const draft = {
      ...emptyPrice("GRADUATED"),
      tiers: [
        { upTo: "0", unitPrice: "", flatFee: "" },
        { upTo: "0", unitPrice: "1", flatFee: "" },
        { upTo: "", unitPrice: "0.5", flatFee: "" },
      ],
    };
    expect(checkPrice(draft).problems).toEqual({ "tiers[1].upTo": "Must be above 0, where tier 0 ends" });
    draft.tiers[1].upTo = "100";
    expect(checkPrice(draft).input?.tiers).toEqual([
      { upTo: "0", unitPrice: null, flatFee: null },
      { upTo: "100", unitPrice: "1", flatFee: null },
      { upTo: null, unitPrice: "0.5", flatFee: null },
    ]);
  });

  it("prices flat tiers by fee alone", () => {
    const draft = {
      ...emptyPrice("FLAT_TIERED"),
      tiers: [
        { upTo: "100", unitPrice: "ignored", flatFee: "50" },
        { upTo: "", unitPrice: "", flatFee: "" },
      ],
    };
    const checked = checkPrice(draft);
    expect(checked.problems).toEqual({ "tiers[1].flatFee": "A flat fee is required" });
    draft.tiers[1].flatFee = "80";
    expect(checkPrice(draft).input?.tiers).toEqual([
      { upTo: "100", flatFee: "50" },
      { upTo: null, flatFee: "80" },
    ]);
  });

  it("keeps the free units and tiers when the model changes", () => {
    const graduated = { ...emptyPrice("GRADUATED"), freeUnits: "50", tiers: [{ upTo: "", unitPrice: "3", flatFee: "" }] };
    const volume = withModel(graduated, "VOLUME");
    expect(volume.freeUnits).toBe("50");
    expect(volume.tiers).toEqual(graduated.tiers);
    expect(withModel(volume, "PER_UNIT").tiers).toEqual([]);
  });

  it("adds a tier before the open-ended one and reopens the last when one is removed", () => {
    const one = emptyPrice("GRADUATED");
    const two = addTier(one);
    expect(two.tiers.map((t) => t.upTo)).toEqual(["100", ""]);
    const three = addTier(two);
    expect(three.tiers.map((t) => t.upTo)).toEqual(["100", "1000", ""]);
    expect(removeTier(three, 2).tiers.map((t) => t.upTo)).toEqual(["100", ""]);
  });

  it("maps the server's field paths onto the builder's", () => {
    expect(builderField("products[0].price.tiers[1].upTo")).toBe("tiers[1].upTo");
    expect(builderField("prices[2].price.unitPrice")).toBe("unitPrice");
    expect(builderField("currency")).toBe("currency");
  });
});
