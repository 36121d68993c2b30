import { useEffect } from 'react';

/** A page title per route: "Seats · Bright Media · Trellis". */
export function usePageTitle(...parts: (string | null | undefined)[]) {
  const title = [...parts.filter(Boolean), 'Trellis'].join(' · ');
  useEffect(() => {
    document.title = title;
  }, [title]);
}
