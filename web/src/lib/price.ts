// The price builder's model: a draft as the form holds it (text, as typed) and
// the PriceInput the API takes. The rules mirror the server's (domain/pricing),
// so a mistake is shown beside its field while typing; the server checks again.
import type { PriceInput, PriceModel, Rounding, TierBasis } from "../gql/graphql";

export const MODELS: { model: PriceModel; label: string; help: string }[] = [
  { model: "PER_UNIT", label: "Per unit", help: "Every billable unit at one price." },
  { model: "PACKAGE", label: "Package", help: "Units sold in packages; a started package is rounded as set." },
  { model: "GRADUATED", label: "Graduated", help: "Each tier's units at that tier's price." },
  { model: "VOLUME", label: "Volume", help: "All units at the price of the tier the total falls in." },
  { model: "FLAT_TIERED", label: "Flat tiered", help: "One flat fee: the tier the total falls in." },
];

export interface TierDraft {
  upTo: string; // blank: no upper bound (the last tier)
  unitPrice: string;
  flatFee: string;
}

export interface PriceDraft {
  model: PriceModel;
  unitPrice: string;
  packageSize: string;
  packagePrice: string;
  rounding: Rounding;
  freeUnits: string;
  tierBasis: TierBasis;
  tiers: TierDraft[];
}

export const isTiered = (model: PriceModel): boolean =>
  model === "GRADUATED" || model === "VOLUME" || model === "FLAT_TIERED";

export function emptyPrice(model: PriceModel = "PER_UNIT"): PriceDraft {
  return {
    model,
    unitPrice: "",
    packageSize: "",
    packagePrice: "",
    rounding: model === "PACKAGE" ? "UP" : "NONE",
    freeUnits: "0",
    tierBasis: "TOTAL",
    tiers: isTiered(model)
      ? [
          { upTo: "", unitPrice: "", flatFee: "" },
        ]
      : [],
  };
}

/** Switch model, keeping what still applies. */
export function withModel(draft: PriceDraft, model: PriceModel): PriceDraft {
  const fresh = emptyPrice(model);
  return {
    ...fresh,
    freeUnits: draft.freeUnits,
    unitPrice: model === "PER_UNIT" ? draft.unitPrice : "",
    tiers: isTiered(model) && draft.tiers.length > 0 ? draft.tiers.map((t) => ({ ...t })) : fresh.tiers,
  };
}

const DECIMAL = /^\d+(\.\d+)?$/;

export interface Checked {
  input: PriceInput | null;
  problems: Record<string, string>;
}

/** The PriceInput for a draft, or the problems (by field path) that keep it from being one. */
export function checkPrice(draft: PriceDraft): Checked {
  const problems: Record<string, string> = {};
  const number = (field: string, text: string, required: boolean, what: string): string | null => {
    const value = text.trim();
    if (value === "") {
      if (required) problems[field] = `${what} is required`;
      return null;
    }
    if (!DECIMAL.test(value)) {
      problems[field] = `${what} must be a number of 0 or more, like 12.50`;
      return null;
    }
    return value;
  };
  const freeUnits = number("freeUnits", draft.freeUnits, false, "Free units") ?? "0";
  const input: PriceInput = { model: draft.model, rounding: draft.rounding, freeUnits, tierBasis: draft.tierBasis };
  if (draft.model === "PER_UNIT") {
    input.unitPrice = number("unitPrice", draft.unitPrice, true, "A unit price");
  } else if (draft.model === "PACKAGE") {
    const size = number("packageSize", draft.packageSize, true, "A package size");
    if (size !== null && Number(size) <= 0) problems.packageSize = "A package must hold more than zero units";
    input.packageSize = size;
    input.packagePrice = number("packagePrice", draft.packagePrice, true, "A package price");
  } else {
    if (draft.tiers.length === 0) problems.tiers = "Add at least one tier";
    let previous = 0;
    input.tiers = draft.tiers.map((tier, i) => {
      const field = `tiers[${i}]`;
      const last = i === draft.tiers.length - 1;
      let upTo: string | null = null;
      if (tier.upTo.trim() === "") {
        if (!last) problems[`${field}.upTo`] = "Only the last tier may be open-ended";
      } else {
        upTo = number(`${field}.upTo`, tier.upTo, false, "A tier bound");
        if (upTo !== null) {
          // Tiers start at 0; the first may end there (a free tier that holds no units).
          if (i > 0 && Number(upTo) <= previous)
            problems[`${field}.upTo`] = `Must be above ${previous}, where tier ${i - 1} ends`;
          else previous = Number(upTo);
          if (last) problems[`${field}.upTo`] = "Leave the last tier's bound empty so every quantity has a price";
        }
      }
      if (i === 0 && upTo !== null && Number(upTo) === 0) {
        // A zero-width first tier costs nothing: no price needed, none allowed.
        for (const [name, text] of [["unitPrice", tier.unitPrice], ["flatFee", tier.flatFee]] as const) {
          const value = text.trim();
          if (value !== "" && !(DECIMAL.test(value) && Number(value) === 0))
            problems[`${field}.${name}`] = "The first tier ends at 0, so it holds no units: leave its price empty or 0";
        }
        return { upTo, unitPrice: null, flatFee: null };
      }
      if (draft.model === "FLAT_TIERED") {
        return { upTo, flatFee: number(`${field}.flatFee`, tier.flatFee, true, "A flat fee") };
      }
      const unitPrice = number(`${field}.unitPrice`, tier.unitPrice, false, "A unit price");
      const flatFee = number(`${field}.flatFee`, tier.flatFee, false, "A flat fee");
      if (unitPrice === null && flatFee === null && !problems[`${field}.unitPrice`] && !problems[`${field}.flatFee`])
        problems[`${field}.unitPrice`] = "A tier needs a unit price, a flat fee or both";
      return { upTo, unitPrice, flatFee };
    });
  }
  return { input: Object.keys(problems).length === 0 ? input : null, problems };
}

/** A server field path (`products[0].price.tiers[1].upTo`) as the builder's (`tiers[1].upTo`). */
export function builderField(serverField: string): string {
  const at = serverField.indexOf(".price.");
  return at >= 0 ? serverField.slice(at + ".price.".length) : serverField;
}

export function addTier(draft: PriceDraft): PriceDraft {
  const tiers = draft.tiers.map((t) => ({ ...t }));
  // the new tier goes before the open-ended last one
  const last = tiers.pop() ?? { upTo: "", unitPrice: "", flatFee: "" };
  const bounded = tiers.length > 0 ? Number(tiers[tiers.length - 1].upTo) || 0 : 0;
  tiers.push({ upTo: String(bounded > 0 ? bounded * 10 : 100), unitPrice: "", flatFee: "" }, last);
  return { ...draft, tiers };
}

export function removeTier(draft: PriceDraft, index: number): PriceDraft {
  const tiers = draft.tiers.filter((_, i) => i !== index);
  if (tiers.length > 0) tiers[tiers.length - 1] = { ...tiers[tiers.length - 1], upTo: "" };
  return { ...draft, tiers };
}
