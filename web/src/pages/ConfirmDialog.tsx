// A modal confirmation: the native <dialog> opened with showModal(), so focus is
// kept inside it and Escape closes it; focus returns to what opened it.
import { type ReactNode, useEffect, useId, useRef } from "react";

export function ConfirmDialog({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement as HTMLElement | null;
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    } else if (!open && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
  }, [open]);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    // Escape, a form with method="dialog", or close(): tell the owner, give focus back.
    const onClosed = () => {
      // What opened it may be gone (a voided record's row): then the page's main region.
      const back = opener.current?.isConnected ? opener.current : document.getElementById("main");
      back?.focus?.();
      opener.current = null;
      close.current();
    };
    dialog.addEventListener("close", onClosed);
    return () => dialog.removeEventListener("close", onClosed);
  }, []);

  return (
    <dialog ref={ref} aria-labelledby={titleId} className="confirm-dialog">
      <h2 id={titleId}>{title}</h2>
      {open ? children : null}
    </dialog>
  );
}
