import type { ReactNode } from 'react';

export function Empty({ children, ...rest }: { children: ReactNode; 'data-testid'?: string }) {
  return (
    <p
      className="empty rounded-md border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-600"
      {...rest}
    >
      {children}
    </p>
  );
}
