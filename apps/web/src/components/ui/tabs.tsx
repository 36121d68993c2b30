import * as T from '@radix-ui/react-tabs';
import { cn } from '../../lib/utils';

export const Tabs = T.Root;
export const TabsContent = T.Content;
export function TabsList({ className, ...props }: T.TabsListProps) {
  return <T.List className={cn('flex gap-1 overflow-x-auto border-b border-slate-200', className)} {...props} />;
}
export function TabsTrigger({ className, ...props }: T.TabsTriggerProps) {
  return (
    <T.Trigger
      className={cn(
        '-mb-px min-h-10 border-b-2 border-transparent px-3 text-sm font-medium whitespace-nowrap ' +
          'text-slate-600 hover:text-slate-900 data-[state=active]:border-blue-700 ' +
          'data-[state=active]:text-slate-900',
        className,
      )}
      {...props}
    />
  );
}
