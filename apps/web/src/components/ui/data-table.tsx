import {
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getPaginationRowModel,
  getSortedRowModel,
  useReactTable,
  type Column,
  type ColumnDef,
  type Row,
  type RowData,
  type SortingState,
} from '@tanstack/react-table';
import { ArrowDown, ArrowUp, ArrowUpDown, ChevronLeft, ChevronRight, Search } from 'lucide-react';
import { Fragment, useState, type ReactNode } from 'react';
import { formatCount } from '../../lib/numbers';
import { plural } from '../../lib/utils';
import { Button } from './button';
import { Empty } from './empty';
import { Input } from './input';
import { SkeletonRows } from './skeleton';

export type { ColumnDef };

declare module '@tanstack/react-table' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- declaration merging repeats TanStack's parameters
  interface ColumnMeta<TData extends RowData, TValue> {
    /**
     * The cell's place on a phone, where each row is a card: the row's name (the first column unless one says so),
     * its key figure beside the name (the spend or amount), or its actions (buttons, last, no label).
     */
    card?: 'title' | 'figure' | 'actions';
    /** The cell's label on a phone's card, where the header is not plain text. */
    label?: string;
  }
}

/** The label of a column's cells on a phone: its header when that is text. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any column of any table
const labelOf = (c: Column<any, unknown>) =>
  c.columnDef.meta?.label ?? (typeof c.columnDef.header === 'string' ? c.columnDef.header : undefined);

/** Server paging that follows the API's cursors: the owner keeps the cursor stack (in the URL). */
export interface CursorPaging {
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}

/** One empty array for every table without data: a fresh `[]` each render would reset the page index in a loop. */
const NO_ROWS: never[] = [];

/**
 * The house table: column headers, sorting, a text filter, paging (client-side, or the API's cursors), an empty
 * state and a row count. Below Tailwind's `sm` (a phone), every row is a card (styles.css): its name and key figure
 * on top, each other cell a labelled line, its actions last, and the header row a bar of sort buttons; nothing sits
 * off-screen. Wider, a table that is still too wide scrolls inside its card, never the page.
 */
export function DataTable<T>({
  columns,
  data,
  loading,
  empty,
  testId,
  noun = ['row', 'rows'],
  filterPlaceholder,
  filter,
  onFilterChange,
  pageSize = 25,
  cursor,
  rowTestId,
  renderSubRow,
  caption,
  toolbar,
}: {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each column has its own value type (TanStack's own advice)
  columns: ColumnDef<T, any>[];
  data: T[] | undefined;
  loading?: boolean;
  empty: ReactNode;
  testId?: string;
  noun?: [string, string];
  filterPlaceholder?: string;
  filter?: string;
  onFilterChange?: (v: string) => void;
  pageSize?: number;
  cursor?: CursorPaging;
  rowTestId?: (row: T) => string | undefined;
  renderSubRow?: (row: Row<T>) => ReactNode;
  caption: string;
  toolbar?: ReactNode;
}) {
  const [sorting, setSorting] = useState<SortingState>([]);
  const [localFilter, setLocalFilter] = useState('');
  const globalFilter = filter ?? localFilter;
  const table = useReactTable({
    data: data ?? NO_ROWS,
    columns,
    state: { sorting, globalFilter },
    onSortingChange: setSorting,
    onGlobalFilterChange: (v: string) => (onFilterChange ?? setLocalFilter)(v),
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    ...(cursor ? {} : { getPaginationRowModel: getPaginationRowModel() }),
    initialState: { pagination: { pageSize, pageIndex: 0 } },
    autoResetPageIndex: true,
  });
  const rows = table.getRowModel().rows;
  const cardOf = columns.some((c) => c.meta?.card === 'title')
    ? (c: Column<T, unknown>) => c.columnDef.meta?.card
    : (c: Column<T, unknown>) => c.columnDef.meta?.card ?? (c.getIndex() === 0 ? 'title' : undefined);
  const hasFigure = columns.some((c) => c.meta?.card === 'figure');
  const total = table.getFilteredRowModel().rows.length;
  const showFilter = filterPlaceholder !== undefined;
  return (
    <div className="space-y-3">
      {(showFilter || toolbar) && (
        <div className="flex flex-wrap items-end gap-2">
          {showFilter && (
            <div className="relative w-full sm:w-64">
              <Search className="pointer-events-none absolute left-2.5 top-3 size-4 text-slate-500" aria-hidden />
              <Input
                aria-label={filterPlaceholder}
                placeholder={filterPlaceholder}
                value={globalFilter}
                onChange={(e) => table.setGlobalFilter(e.target.value)}
                className="pl-8"
              />
            </div>
          )}
          {toolbar}
        </div>
      )}
      {loading ? (
        <SkeletonRows />
      ) : (data ?? []).length === 0 ? (
        <>
          <Empty>{empty}</Empty>
          {/* keeps the table's test handle present while empty */}
          <table data-testid={testId} className="hidden" aria-hidden="true">
            <tbody />
          </table>
        </>
      ) : (
        <div className="relative -mx-4 overflow-x-auto sm:mx-0">
          <table
            data-testid={testId}
            className="data-table w-full min-w-max border-collapse text-sm sm:min-w-full"
            data-figure={hasFigure ? undefined : 'none'}
          >
            <caption className="sr-only">{caption}</caption>
            <thead>
              {table.getHeaderGroups().map((hg) => (
                <tr key={hg.id} className="border-b border-slate-200 text-left">
                  {hg.headers.map((h) => {
                    const sorted = h.column.getIsSorted();
                    return (
                      <th
                        key={h.id}
                        scope="col"
                        aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                        className="px-3 py-2 text-xs font-semibold tracking-wide text-slate-600 uppercase first:pl-4 sm:first:pl-3"
                      >
                        {h.isPlaceholder ? null : h.column.getCanSort() ? (
                          <button
                            type="button"
                            onClick={h.column.getToggleSortingHandler()}
                            className="inline-flex min-h-8 items-center gap-1 uppercase hover:text-slate-900"
                          >
                            {flexRender(h.column.columnDef.header, h.getContext())}
                            {sorted === 'asc' ? (
                              <ArrowUp className="size-3" aria-hidden />
                            ) : sorted === 'desc' ? (
                              <ArrowDown className="size-3" aria-hidden />
                            ) : (
                              <ArrowUpDown className="size-3 opacity-40" aria-hidden />
                            )}
                          </button>
                        ) : (
                          flexRender(h.column.columnDef.header, h.getContext())
                        )}
                      </th>
                    );
                  })}
                </tr>
              ))}
            </thead>
            <tbody>
              {rows.map((row) => (
                <Fragment key={row.id}>
                  <tr
                    data-testid={rowTestId?.(row.original)}
                    className="border-b border-slate-100 align-top last:border-0 hover:bg-slate-50/60"
                  >
                    {row.getVisibleCells().map((cell) => (
                      <td
                        key={cell.id}
                        className="px-3 py-2.5 first:pl-4 sm:first:pl-3"
                        data-label={labelOf(cell.column)}
                        data-card={cardOf(cell.column)}
                      >
                        {/* one box per cell: a phone's card lays it beside its label, and hides it when empty */}
                        <div>{flexRender(cell.column.columnDef.cell, cell.getContext())}</div>
                      </td>
                    ))}
                  </tr>
                  {renderSubRow?.(row)}
                </Fragment>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={columns.length} className="px-3 py-6 text-center text-slate-600">
                    Nothing matches this filter.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      {!loading && (data ?? []).length > 0 && (
        <div className="flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600">
          <span data-testid={testId ? `${testId}-count` : undefined}>
            {total === (data ?? []).length
              ? plural(total, noun[0], noun[1])
              : `${formatCount(total)} of ${plural((data ?? []).length, noun[0], noun[1])}`}
            {cursor?.hasNext ? ' on this page' : ''}
          </span>
          <Pager
            hasPrevious={cursor ? cursor.hasPrevious : table.getCanPreviousPage()}
            hasNext={cursor ? cursor.hasNext : table.getCanNextPage()}
            onPrevious={cursor ? cursor.onPrevious : () => table.previousPage()}
            onNext={cursor ? cursor.onNext : () => table.nextPage()}
            label={cursor ? ['Newer', 'Older'] : ['Previous', 'Next']}
          />
        </div>
      )}
    </div>
  );
}

function Pager({ hasPrevious, hasNext, onPrevious, onNext, label }: CursorPaging & { label: [string, string] }) {
  if (!hasPrevious && !hasNext) return null;
  return (
    <nav aria-label="Pages" className="flex gap-2">
      <Button variant="secondary" size="sm" disabled={!hasPrevious} onClick={onPrevious}>
        <ChevronLeft className="size-4" aria-hidden />
        {label[0]}
      </Button>
      <Button variant="secondary" size="sm" disabled={!hasNext} onClick={onNext}>
        {label[1]}
        <ChevronRight className="size-4" aria-hidden />
      </Button>
    </nav>
  );
}

/** A cell that is sortable by a plain value but shows something richer. */
export const textSort = <T,>(get: (row: T) => string) => ({ accessorFn: get, sortingFn: 'alphanumeric' as const });
