// A destructive action asked twice: the button opens a modal dialog (focus
// inside, Escape cancels) that names what goes and offers the action or Cancel.
import { type ReactNode, useEffect, useId, useRef, useState } from "react";

export function ConfirmButton({
  label,
  title,
  confirmLabel,
  onConfirm,
  busy = false,
  children,
}: {
  /** The button's text, e.g. "Delete". */
  label: string;
  /** The dialog's heading, e.g. "Delete the threshold for api_calls?". */
  title: string;
  confirmLabel: string;
  onConfirm: () => void | Promise<void>;
  busy?: boolean;
  children?: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      if (typeof element.showModal === "function") element.showModal();
      else element.setAttribute("open", "");
    } else if (!open && element.open) {
      if (typeof element.close === "function") element.close();
      else element.removeAttribute("open");
    }
  }, [open]);
  const confirm = async () => {
    await onConfirm();
    setOpen(false);
  };
  return (
    <>
      <button type="button" className="danger" onClick={() => setOpen(true)} disabled={busy}>
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={headingId} onClose={() => setOpen(false)} className="confirm-dialog">
        {open ? (
          <>
            <h2 id={headingId}>{title}</h2>
            {children ? <div className="confirm-body">{children}</div> : null}
            <div className="actions">
              <button type="button" className="danger" onClick={() => void confirm()} disabled={busy}>
                {busy ? "Working…" : confirmLabel}
              </button>
              <button type="button" className="secondary" onClick={() => setOpen(false)} autoFocus>
                Cancel
              </button>
            </div>
          </>
        ) : null}
      </dialog>
    </>
  );
}
