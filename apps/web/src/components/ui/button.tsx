import { Slot } from '@radix-ui/react-slot';
import { forwardRef, type ButtonHTMLAttributes } from 'react';
import { cn } from '../../lib/utils';

const VARIANTS = {
  primary: 'bg-blue-700 text-white hover:bg-blue-800 disabled:bg-blue-700/60',
  secondary: 'border border-slate-300 bg-white text-slate-800 hover:bg-slate-50',
  danger: 'bg-red-700 text-white hover:bg-red-800 disabled:bg-red-700/60',
  ghost: 'text-slate-700 hover:bg-slate-100',
  link: 'text-blue-700 underline-offset-2 hover:underline px-0 py-0 h-auto min-h-0',
  'link-danger': 'text-red-700 underline-offset-2 hover:underline px-0 py-0 h-auto min-h-0',
} as const;

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: keyof typeof VARIANTS;
  size?: 'sm' | 'md' | 'icon';
  asChild?: boolean;
}

export const Button = forwardRef<HTMLButtonElement, ButtonProps>(
  ({ className, variant = 'primary', size = 'md', asChild, type, ...props }, ref) => {
    const Comp = asChild ? Slot : 'button';
    return (
      <Comp
        ref={ref}
        type={asChild ? undefined : (type ?? 'button')}
        className={cn(
          'inline-flex items-center justify-center gap-1.5 rounded-md font-medium whitespace-nowrap ' +
            'transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 ' +
            'focus-visible:outline-blue-600 disabled:cursor-not-allowed',
          size === 'sm' ? 'min-h-8 px-2.5 text-sm' : size === 'icon' ? 'size-10 p-0' : 'min-h-10 px-4 text-sm',
          VARIANTS[variant],
          className,
        )}
        {...props}
      />
    );
  },
);
Button.displayName = 'Button';
