import { clsx, type ClassValue } from 'clsx';
import { twMerge } from 'tailwind-merge';
import { formatCount } from './numbers';

export const cn = (...inputs: ClassValue[]) => twMerge(clsx(inputs));
/** "1 client", "1,204 clients": the count with its thousands separators. */
export const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;
