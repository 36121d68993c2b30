import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export type AccountTab = 'overview' | 'clients' | 'connections' | 'campaigns' | 'seats' | 'deals';

/** A small client-side router over the History API: the app has five routes. */
export type Route =
  | { name: 'tree' }
  | { name: 'account'; id: string; tab: AccountTab }
  | { name: 'deal'; id: string }
  | { name: 'invite'; token: string }
  | { name: 'outbox' }
  | { name: 'notFound' };

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'tree' };
  let m = /^\/accounts\/([^/]+)(?:\/(clients|connections|campaigns|seats|deals))?\/?$/.exec(pathname);
  if (m) return { name: 'account', id: decodeURIComponent(m[1]!), tab: (m[2] as AccountTab | undefined) ?? 'overview' };
  m = /^\/deals\/([^/]+)\/?$/.exec(pathname);
  if (m) return { name: 'deal', id: decodeURIComponent(m[1]!) };
  m = /^\/invite\/([^/]+)\/?$/.exec(pathname);
  if (m) return { name: 'invite', token: decodeURIComponent(m[1]!) };
  if (pathname === '/outbox') return { name: 'outbox' };
  return { name: 'notFound' };
}

export function navigate(to: string) {
  window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return route;
}

export function Link({ to, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={onClick} {...rest} />;
}
