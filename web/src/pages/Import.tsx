import { type FormEvent, useEffect, useRef, useState } from "react";
import { Link } from "react-router-dom";

import { Field } from "../components/Field";
import { Banner, NotFound } from "../components/states";
import {
  formatOf,
  ImportFailure,
  type ImportFormat,
  type ImportSummary,
  progressText,
  type Upload,
  uploadUsageFile,
} from "../lib/importUpload";
import { isAdmin, useViewer } from "../lib/viewer";

type Progress = { sent: number; total: number };

export function ImportPage() {
  const viewer = useViewer();
  if (!isAdmin(viewer)) return <NotFound />;
  return <ImportForm />;
}

function ImportForm() {
  const [file, setFile] = useState<File | null>(null);
  const [choice, setChoice] = useState<"" | ImportFormat>("");
  const [backfill, setBackfill] = useState(false);
  const [createCompanies, setCreateCompanies] = useState(false);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [progress, setProgress] = useState<Progress | null>(null);
  const [summary, setSummary] = useState<{ file: string; result: ImportSummary } | null>(null);
  const [failure, setFailure] = useState<ImportFailure | null>(null);
  const upload = useRef<Upload | null>(null);
  const outcome = useRef<HTMLDivElement>(null);
  const sending = progress !== null;

  // Leaving the page stops an upload in flight.
  useEffect(() => () => upload.current?.abort(), []);

  const detected = file ? formatOf(file.name, file.type) : null;
  const format = choice || detected;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!file) found.file = "Choose a CSV or NDJSON file.";
    else if (!format) found.format = "The file's name does not say its format: choose CSV or NDJSON.";
    setProblems(found);
    if (!file || !format) return;
    setFailure(null);
    setSummary(null);
    const started = uploadUsageFile(file, { format, backfill, createCompanies }, (sent, total) =>
      setProgress({ sent, total }),
    );
    upload.current = started;
    setProgress({ sent: 0, total: file.size });
    try {
      setSummary({ file: file.name, result: await started.done });
    } catch (error) {
      setFailure(
        error instanceof ImportFailure ? error : new ImportFailure("UNKNOWN", "The upload failed.", 0),
      );
    } finally {
      upload.current = null;
      setProgress(null);
    }
    // The upload's controls are gone or disabled: focus moves to what it answered.
    requestAnimationFrame(() => outcome.current?.focus());
  };

  return (
    <>
      <div className="page-head">
        <h1>Import usage</h1>
        <p className="subtle">
          Upload a CSV or NDJSON file of usage records. Each line is checked on its own: valid lines are stored, and
          the lines that could not be accepted are listed with their problem. A line imported twice is stored once.
        </p>
      </div>
      <form className="card form-grid" onSubmit={(e) => void submit(e)} aria-label="Bulk import">
        <h2>File</h2>
        <Field
          label="Usage file"
          error={problems.file}
          help="CSV (the seed layout or the allocation telemetry layout) or NDJSON of UsageRecordInput objects."
        >
          {(p) => (
            <input
              {...p}
              type="file"
              accept=".csv,.ndjson,.jsonl,text/csv,application/x-ndjson"
              disabled={sending}
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                setProblems({});
              }}
            />
          )}
        </Field>
        <Field
          label="Format"
          error={problems.format}
          help={detected ? `From the file's name: ${detected.toUpperCase()}.` : "Read from the file's name when it ends in .csv, .ndjson or .jsonl."}
        >
          {(p) => (
            <select {...p} value={choice} disabled={sending} onChange={(e) => setChoice(e.target.value as "" | ImportFormat)}>
              <option value="">From the file's name</option>
              <option value="csv">CSV</option>
              <option value="ndjson">NDJSON</option>
            </select>
          )}
        </Field>
        <fieldset className="wide import-options">
          <legend>Options</legend>
          <label className="check">
            <input type="checkbox" checked={backfill} disabled={sending} onChange={(e) => setBackfill(e.target.checked)} />
            Back-fill: accept records older than the late-arrival window
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={createCompanies}
              disabled={sending}
              onChange={(e) => setCreateCompanies(e.target.checked)}
            />
            Create companies for unknown external keys
          </label>
        </fieldset>
        <div className="actions">
          <button type="submit" disabled={sending}>
            {sending ? "Uploading…" : "Upload"}
          </button>
          {sending ? (
            // focus moves here: the Upload button it stands beside is disabled
            <button type="button" className="secondary" autoFocus onClick={() => upload.current?.abort()}>
              Cancel upload
            </button>
          ) : null}
        </div>
        {progress ? <UploadProgress progress={progress} /> : null}
      </form>
      <div ref={outcome} tabIndex={-1} className="import-outcome">
        {failure ? <FailureNotice failure={failure} /> : null}
        {summary ? <SummaryPanel file={summary.file} summary={summary.result} /> : null}
      </div>
    </>
  );
}

function UploadProgress({ progress }: { progress: Progress }) {
  const text = progressText(progress.sent, progress.total);
  const finished = progress.total > 0 && progress.sent >= progress.total;
  return (
    <div className="wide upload-progress">
      <label htmlFor="import-progress">Bytes sent</label>
      <progress id="import-progress" className="progress" max={progress.total || 1} value={progress.sent}>
        {text}
      </progress>
      <p className="subtle" role="status" aria-live="polite">
        {text}
        {finished ? " · the server is storing the records…" : ""}
      </p>
    </div>
  );
}

function FailureNotice({ failure }: { failure: ImportFailure }) {
  return (
    <Banner kind="error">
      <strong>The file was not imported{failure.code === "LINE_TOO_LONG" ? " past the line it names" : ""}.</strong>{" "}
      {failure.message}
      {failure.line !== null && !failure.message.includes(`line ${failure.line}`) ? ` (line ${failure.line})` : ""}
      {failure.code !== "ABORTED" && failure.status > 0 ? <span className="subtle"> · {failure.code}</span> : null}
    </Banner>
  );
}

function SummaryPanel({ file, summary }: { file: string; summary: ImportSummary }) {
  const figures: [string, number][] = [
    ["Accepted", summary.accepted],
    ["Duplicates", summary.duplicates],
    ["Rejected", summary.rejected],
  ];
  if (summary.companiesCreated > 0) figures.push(["Companies created", summary.companiesCreated]);
  return (
    <section className="card" aria-labelledby="import-summary-h">
      <h2 id="import-summary-h">Imported {file}</h2>
      <dl className="import-summary">
        {figures.map(([label, n]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd className="num">{n.toLocaleString()}</dd>
          </div>
        ))}
      </dl>
      {summary.rejected > 0 ? (
        <p>
          {summary.accepted > 0 || summary.duplicates > 0
            ? `The valid lines were kept: ${summary.accepted.toLocaleString()} stored${
                summary.duplicates > 0 ? `, ${summary.duplicates.toLocaleString()} stored before` : ""
              }. `
            : "No line of the file could be stored. "}
          Fix the rejected lines below and upload them again; lines already stored are not stored twice.
        </p>
      ) : (
        <p>
          Every line was accepted{summary.duplicates > 0 ? " (duplicates were already stored and are not counted twice)" : ""}.{" "}
          <Link to="/records">See the records</Link>.
        </p>
      )}
      {summary.errors.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table">
            <caption>Rejected lines{summary.errorsTruncated ? ` (the first ${summary.errors.length})` : ""}</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  Line
                </th>
                <th scope="col">Field</th>
                <th scope="col">Code</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {summary.errors.map((e, i) => (
                <tr key={`${e.line}-${e.field}-${i}`}>
                  <td className="num">{e.line}</td>
                  <td>
                    <code>{e.field}</code>
                  </td>
                  <td>{e.code}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {summary.errorsTruncated ? (
        <p className="subtle">More lines were rejected than are listed here; the counts above are complete.</p>
      ) : null}
    </section>
  );
}
