import { createContext, useContext } from 'react';
import type { AccountView } from '../shell/sections';

export const AccountContext = createContext<AccountView | null>(null);

/** The account the current page is about (provided by the /accounts/$accountId layout). */
export function useAccount(): AccountView {
  const a = useContext(AccountContext);
  if (!a) throw new Error('useAccount outside an account page');
  return a;
}
export const can = (a: AccountView, action: AccountView['allowedActions'][number]) => a.allowedActions.includes(action);
