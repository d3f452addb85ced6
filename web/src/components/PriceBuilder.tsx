// One product's price, for all five models; tiers edited as a table.
import type { PriceModel, Rounding, TierBasis } from "../gql/graphql";
import { addTier, isTiered, MODELS, type PriceDraft, removeTier, withModel } from "../lib/price";

export interface PriceBuilderProps {
  draft: PriceDraft;
  onChange: (draft: PriceDraft) => void;
  problems: Record<string, string>;
  /** "" for the first product, "Product 2 " for the next, so labels stay unique. */
  labelPrefix?: string;
  idPrefix: string;
}

export function PriceBuilder({ draft, onChange, problems, labelPrefix = "", idPrefix }: PriceBuilderProps) {
  const set = (change: Partial<PriceDraft>) => onChange({ ...draft, ...change });
  const field = (name: keyof PriceDraft, label: string, help?: string) => {
    const id = `${idPrefix}-${name}`;
    const error = problems[name];
    return (
      <div className={`field${error ? " has-error" : ""}`}>
        <label htmlFor={id}>{labelPrefix + label}</label>
        <input
          id={id}
          inputMode="decimal"
          value={draft[name] as string}
          onChange={(e) => set({ [name]: e.target.value } as Partial<PriceDraft>)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : help ? `${id}-help` : undefined}
        />
        {help ? (
          <p className="help" id={`${id}-help`}>
            {help}
          </p>
        ) : null}
        {error ? (
          <p className="field-error" id={`${id}-error`} role="alert">
            {error}
          </p>
        ) : null}
      </div>
    );
  };
  const model = MODELS.find((m) => m.model === draft.model);
  return (
    <fieldset className="price-builder">
      <legend>{labelPrefix ? `${labelPrefix.trim()} price` : "Price"}</legend>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${idPrefix}-model`}>{labelPrefix + "Price model"}</label>
          <select
            id={`${idPrefix}-model`}
            value={draft.model}
            onChange={(e) => onChange(withModel(draft, e.target.value as PriceModel))}
            aria-describedby={`${idPrefix}-model-help`}
          >
            {MODELS.map((m) => (
              <option key={m.model} value={m.model}>
                {m.label}
              </option>
            ))}
          </select>
          <p className="help" id={`${idPrefix}-model-help`}>
            {model?.help}
          </p>
        </div>
        {field("freeUnits", "Free units", "Units each period before any charge.")}
        {draft.model === "PER_UNIT" ? field("unitPrice", "Unit price") : null}
        {draft.model === "PACKAGE" ? (
          <>
            {field("packageSize", "Package size")}
            {field("packagePrice", "Package price")}
            <div className="field">
              <label htmlFor={`${idPrefix}-rounding`}>{labelPrefix + "Rounding"}</label>
              <select
                id={`${idPrefix}-rounding`}
                value={draft.rounding}
                onChange={(e) => set({ rounding: e.target.value as Rounding })}
              >
                <option value="UP">Up: a started package is a whole one</option>
                <option value="DOWN">Down: only full packages</option>
                <option value="NONE">None: fractions of a package</option>
              </select>
            </div>
          </>
        ) : null}
        {isTiered(draft.model) ? (
          <div className="field">
            <label htmlFor={`${idPrefix}-basis`}>{labelPrefix + "Tiers count"}</label>
            <select
              id={`${idPrefix}-basis`}
              value={draft.tierBasis}
              onChange={(e) => set({ tierBasis: e.target.value as TierBasis })}
            >
              <option value="TOTAL">All units (free units fill the first tiers)</option>
              <option value="BILLABLE">Billable units only (after free units)</option>
            </select>
          </div>
        ) : null}
      </div>
      {isTiered(draft.model) ? <TierTable draft={draft} onChange={onChange} problems={problems} labelPrefix={labelPrefix} idPrefix={idPrefix} /> : null}
      {problems.tiers ? <p className="field-error">{problems.tiers}</p> : null}
    </fieldset>
  );
}

function TierTable({ draft, onChange, problems, labelPrefix = "", idPrefix }: PriceBuilderProps) {
  const flat = draft.model === "FLAT_TIERED";
  const setTier = (index: number, change: Partial<PriceDraft["tiers"][number]>) =>
    onChange({ ...draft, tiers: draft.tiers.map((t, i) => (i === index ? { ...t, ...change } : t)) });
  const cell = (index: number, name: "upTo" | "unitPrice" | "flatFee", label: string, placeholder?: string) => {
    const id = `${idPrefix}-tier${index}-${name}`;
    const error = problems[`tiers[${index}].${name}`];
    return (
      <td>
        <label htmlFor={id} className="visually-hidden">
          {`${labelPrefix}Tier ${index + 1} ${label}`}
        </label>
        <input
          id={id}
          inputMode="decimal"
          placeholder={placeholder}
          value={draft.tiers[index][name]}
          onChange={(e) => setTier(index, { [name]: e.target.value })}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
        {error ? (
          <p className="field-error" id={`${id}-error`} role="alert">
            {error}
          </p>
        ) : null}
      </td>
    );
  };
  return (
    <div className="table-wrap">
      <table className="data-table tiers-table">
        <caption className="visually-hidden">{labelPrefix}Tiers</caption>
        <thead>
          <tr>
            <th scope="col">Tier</th>
            <th scope="col">Up to (units)</th>
            {flat ? null : <th scope="col">Unit price</th>}
            <th scope="col">Flat fee</th>
            <th scope="col">
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {draft.tiers.map((_, i) => (
            <tr key={i}>
              <th scope="row">{i + 1}</th>
              {cell(i, "upTo", "up to", i === draft.tiers.length - 1 ? "no limit" : undefined)}
              {flat ? null : cell(i, "unitPrice", "unit price")}
              {cell(i, "flatFee", "flat fee", flat ? undefined : "optional")}
              <td>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => onChange(removeTier(draft, i))}
                  disabled={draft.tiers.length <= 1}
                  aria-label={`${labelPrefix}Remove tier ${i + 1}`}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="secondary" onClick={() => onChange(addTier(draft))}>
        Add a tier
      </button>
    </div>
  );
}
