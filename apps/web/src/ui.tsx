import { useState } from 'react';
import type { ReactNode } from 'react';
import { errorMessage, fieldError } from './trpc';

const KIND_LABEL = { holding: 'Holding', agency: 'Agency', client: 'Client' } as const;

export function KindBadges({ kind, level, clientTier, archived }: { kind: keyof typeof KIND_LABEL; level: number; clientTier?: string | null; archived?: boolean }) {
  return (
    <span className="badges">
      <span className={`badge kind-${kind}`}>{KIND_LABEL[kind]}</span>
      <span className="badge level" title={`Level ${level}`}>L{level}</span>
      {clientTier && <span className={`badge tier-${clientTier}`}>{clientTier}</span>}
      {archived && <span className="badge archived">archived</span>}
    </span>
  );
}

export function ErrorText({ error }: { error: unknown }) {
  const msg = errorMessage(error);
  return msg ? <p className="error" role="alert">{msg}</p> : null;
}

export function FieldError({ error, field }: { error: unknown; field: string }) {
  const msg = fieldError(error, field);
  return msg ? <span className="field-error" role="alert">{msg}</span> : null;
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card">
      <header className="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function Empty({ children, ...rest }: { children: ReactNode; 'data-testid'?: string }) {
  return <p className="empty" {...rest}>{children}</p>;
}

export const fmtTime = (iso: string) => new Date(iso).toLocaleString();

/** Cursor paging for `{ items, nextCursor }` lists: the cursor of the page shown, and its Newer/Older controls. */
export function useCursorPages() {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const Pager = ({ nextCursor }: { nextCursor: string | null | undefined }) => (
    <div className="row">
      {cursors.length > 0 && <button className="link" onClick={() => setCursors(cursors.slice(0, -1))}>Newer</button>}
      {nextCursor && <button className="link" onClick={() => setCursors([...cursors, nextCursor])}>Older</button>}
    </div>
  );
  return { cursorInput: cursor ? { cursor } : {}, Pager };
}
