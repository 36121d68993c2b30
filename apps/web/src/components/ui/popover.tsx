import * as P from '@radix-ui/react-popover';
import type { ReactNode } from 'react';

export const Popover = P.Root;
export const PopoverTrigger = P.Trigger;
export function PopoverContent({
  children,
  align = 'start',
}: {
  children: ReactNode;
  align?: 'start' | 'center' | 'end';
}) {
  return (
    <P.Portal>
      <P.Content
        align={align}
        sideOffset={6}
        className="z-50 w-[min(22rem,calc(100vw-2rem))] rounded-md border border-slate-200 bg-white p-3 shadow-lg"
      >
        {children}
      </P.Content>
    </P.Portal>
  );
}
