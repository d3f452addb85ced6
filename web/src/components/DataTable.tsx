// A table with sortable columns (TanStack Table) over one page of a cursor
// connection, and Previous/Next buttons that walk the server's cursors.
import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  type SortingState,
  useReactTable,
} from "@tanstack/react-table";
import { useCallback, useState } from "react";

export interface Paging {
  /** The cursor to ask for (`after`), null for the first page. */
  after: string | null;
  page: number;
  next(endCursor: string | null | undefined): void;
  previous(): void;
  reset(): void;
}

/** Forward cursors remembered as a stack, so Previous goes back exactly. */
export function useCursorPaging(): Paging {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  const next = useCallback((cursor: string | null | undefined) => {
    if (cursor) setStack((s) => [...s, cursor]);
  }, []);
  const previous = useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []);
  const reset = useCallback(() => setStack([null]), []);
  return { after: stack[stack.length - 1], page: stack.length, next, previous, reset };
}

export interface DataTableProps<Row> {
  caption: string;
  columns: ColumnDef<Row, unknown>[];
  rows: Row[];
  paging?: Paging;
  hasNextPage?: boolean;
  endCursor?: string | null;
  onRowClick?: (row: Row) => void;
  rowLabel?: (row: Row) => string;
  empty?: React.ReactNode;
}

export function DataTable<Row>({
  caption,
  columns,
  rows,
  paging,
  hasNextPage,
  endCursor,
  onRowClick,
  rowLabel,
  empty,
}: DataTableProps<Row>) {
  const [sorting, setSorting] = useState<SortingState>([]);
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
  });
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                const align = (header.column.columnDef.meta as { align?: string } | undefined)?.align;
                const label = flexRender(header.column.columnDef.header, header.getContext());
                return (
                  <th
                    key={header.id}
                    scope="col"
                    className={align === "right" ? "num" : undefined}
                    aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}
                  >
                    {header.column.getCanSort() ? (
                      <button
                        type="button"
                        className="sort"
                        onClick={header.column.getToggleSortingHandler()}
                      >
                        {label}
                        <span aria-hidden="true">{sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}</span>
                      </button>
                    ) : (
                      label
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr
              key={row.id}
              className={onRowClick ? "clickable" : undefined}
              onClick={onRowClick ? () => onRowClick(row.original) : undefined}
              onKeyDown={
                onRowClick
                  ? (e) => {
                      if (e.key === "Enter") onRowClick(row.original);
                    }
                  : undefined
              }
              tabIndex={onRowClick ? 0 : undefined}
              aria-label={onRowClick && rowLabel ? rowLabel(row.original) : undefined}
            >
              {row.getVisibleCells().map((cell) => {
                const align = (cell.column.columnDef.meta as { align?: string } | undefined)?.align;
                return (
                  <td key={cell.id} className={align === "right" ? "num" : undefined}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <div className="table-empty">{empty ?? "Nothing here yet."}</div> : null}
      {paging && (paging.page > 1 || hasNextPage) ? (
        <nav className="pager" aria-label={`${caption} pages`}>
          <button type="button" onClick={paging.previous} disabled={paging.page <= 1}>
            ← Previous
          </button>
          <span>Page {paging.page}</span>
          <button type="button" onClick={() => paging.next(endCursor)} disabled={!hasNextPage}>
            Next →
          </button>
        </nav>
      ) : null}
    </div>
  );
}
