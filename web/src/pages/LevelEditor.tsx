// A threshold's levels as a table: one row per level (name, kind, value,
// channels, roles), each problem beside its control.
import { CHANNELS, type ChannelName, type LevelDraft, newLevel, RECIPIENT_ROLES, type RecipientRoleName, toggled } from "../lib/alerting";

export const CHANNEL_LABELS: Record<ChannelName, string> = { EMAIL: "Email", PLATFORM: "Platform", SMS: "SMS" };
export const ROLE_LABELS: Record<RecipientRoleName, string> = { COMPANY_ADMIN: "Company admins", VIEWER: "Viewers" };

export function LevelEditor({
  levels,
  onChange,
  err,
}: {
  levels: LevelDraft[];
  onChange: (levels: LevelDraft[]) => void;
  /** A problem by field path without the `input.` prefix, e.g. `levels[1].value`. */
  err: (field: string) => string | undefined;
}) {
  return (
    <div className="wide">
      <div className="table-wrap">
        <table className="data-table level-editor">
          <caption>Levels, lowest first</caption>
          <thead>
            <tr>
              <th scope="col">Level</th>
              <th scope="col">Level name</th>
              <th scope="col">Kind</th>
              <th scope="col">Value</th>
              <th scope="col">Channels</th>
              <th scope="col">Roles told</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {levels.map((level, n) => (
              <LevelRow
                key={n}
                n={n}
                level={level}
                err={err}
                onChange={(change) => onChange(levels.map((l, i) => (i === n ? { ...l, ...change } : l)))}
                onRemove={
                  levels.length > 1
                    ? () => onChange(levels.filter((_, i) => i !== n))
                    : undefined
                }
              />
            ))}
          </tbody>
        </table>
      </div>
      {err("levels") ? (
        <p className="field-error" role="alert">
          {err("levels")}
        </p>
      ) : null}
      <button
        type="button"
        className="secondary"
        onClick={() => onChange([...levels, newLevel(levels.length)])}
      >
        Add a level
      </button>
    </div>
  );
}

function LevelRow({
  n,
  level,
  err,
  onChange,
  onRemove,
}: {
  n: number;
  level: LevelDraft;
  err: (field: string) => string | undefined;
  onChange: (change: Partial<LevelDraft>) => void;
  onRemove?: () => void;
}) {
  const id = `level-${n}`;
  const problem = (f: string) => err(`levels[${n}].${f}`);
  const describedBy = (f: string) => (problem(f) ? `${id}-${f}-error` : undefined);
  const fieldError = (f: string) =>
    problem(f) ? (
      <p id={`${id}-${f}-error`} className="field-error" role="alert">
        {problem(f)}
      </p>
    ) : null;
  return (
    <tr>
      <th scope="row">Level {n + 1}</th>
      <td className={problem("name") ? "has-error" : undefined}>
        <label htmlFor={`${id}-name`} className="visually-hidden">
          Level name
        </label>
        <input
          id={`${id}-name`}
          value={level.name}
          onChange={(e) => onChange({ name: e.target.value })}
          aria-invalid={problem("name") ? true : undefined}
          aria-describedby={describedBy("name")}
          required
        />
        {fieldError("name")}
      </td>
      <td className={problem("kind") ? "has-error" : undefined}>
        <label htmlFor={`${id}-kind`} className="visually-hidden">
          Kind
        </label>
        <select
          id={`${id}-kind`}
          value={level.kind}
          onChange={(e) => onChange({ kind: e.target.value as LevelDraft["kind"] })}
          aria-invalid={problem("kind") ? true : undefined}
          aria-describedby={describedBy("kind")}
        >
          <option value="PERCENTAGE">Percentage of the limit</option>
          <option value="ABSOLUTE">Absolute quantity</option>
        </select>
        {fieldError("kind")}
      </td>
      <td className={problem("value") ? "has-error" : undefined}>
        <label htmlFor={`${id}-value`} className="visually-hidden">
          Value
        </label>
        <input
          id={`${id}-value`}
          className="num"
          inputMode="decimal"
          value={level.value}
          onChange={(e) => onChange({ value: e.target.value })}
          aria-invalid={problem("value") ? true : undefined}
          aria-describedby={describedBy("value")}
          size={8}
        />
        {fieldError("value")}
      </td>
      <td className={problem("channels") ? "has-error" : undefined}>
        <div role="group" aria-label={`Channels of level ${n + 1}`} aria-describedby={describedBy("channels")} className="checks">
          {CHANNELS.map((channel) => (
            <label key={channel} className="check">
              <input
                type="checkbox"
                checked={level.channels.includes(channel)}
                onChange={(e) => onChange({ channels: toggled(level.channels, channel, e.target.checked) })}
              />
              {CHANNEL_LABELS[channel]}
            </label>
          ))}
        </div>
        {fieldError("channels")}
      </td>
      <td className={problem("roles") ? "has-error" : undefined}>
        <div role="group" aria-label={`Roles told of level ${n + 1}`} aria-describedby={describedBy("roles")} className="checks">
          {RECIPIENT_ROLES.map((role) => (
            <label key={role} className="check">
              <input
                type="checkbox"
                checked={level.roles.includes(role)}
                onChange={(e) => onChange({ roles: toggled(level.roles, role, e.target.checked) })}
              />
              {ROLE_LABELS[role]}
            </label>
          ))}
          {level.roles.length === 0 ? <span className="help">none ticked: every role</span> : null}
        </div>
        {fieldError("roles")}
      </td>
      <td>
        {onRemove ? (
          <button type="button" className="link" onClick={onRemove} aria-label={`Remove level ${n + 1}`}>
            Remove
          </button>
        ) : null}
      </td>
    </tr>
  );
}

