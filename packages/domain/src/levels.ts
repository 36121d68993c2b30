/**
 * Account kinds and levels (SPEC 2) and what each level may do (SPEC 2.1, the seed's permission table).
 * The table below reads line by line like the one in the spec.
 */
export const ACCOUNT_KINDS = ['holding', 'agency', 'client'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];
export type Level = 1 | 2 | 3;
export const CLIENT_TIERS = ['standard', 'premium'] as const;
export type ClientTier = (typeof CLIENT_TIERS)[number];

export const LEVEL_OF_KIND = { holding: 1, agency: 2, client: 3 } as const satisfies Record<AccountKind, Level>;

/** The kind a parent must have, per kind (null: no parent allowed; 'optional-agency': none or an agency). */
export const PARENT_KIND_OF = {
  holding: null,
  agency: 'holding',
  client: 'agency',
} as const satisfies Record<AccountKind, AccountKind | null>;

export type LevelCapability =
  | 'createSubAccounts'
  | 'linkSeats'
  | 'assignSeatsToSubAccounts'
  | 'holdSeveralSeatsPerDsp'
  | 'createDeals'
  | 'dealsSharedWithSubAccounts'
  | 'useAncestorDeals'
  | 'viewSubAccountReports'
  | 'viewDspReporting'
  | 'viewOwnDealReports'
  | 'seesOnlyOwnSpend';

/** 'n/a' means the capability has no meaning at that level; it counts as "no". */
export type Cell = 'yes' | 'no' | 'n/a';

//                                                   L1      L2      L3
export const LEVEL_CAPABILITIES = {
  createSubAccounts: /*                           */ { 1: 'yes', 2: 'yes', 3: 'no' },
  linkSeats: /*                                   */ { 1: 'yes', 2: 'no', 3: 'no' },
  assignSeatsToSubAccounts: /*                    */ { 1: 'yes', 2: 'yes', 3: 'n/a' },
  holdSeveralSeatsPerDsp: /*                      */ { 1: 'yes', 2: 'yes', 3: 'no' },
  createDeals: /*                                 */ { 1: 'yes', 2: 'yes', 3: 'yes' },
  dealsSharedWithSubAccounts: /*                  */ { 1: 'yes', 2: 'yes', 3: 'n/a' },
  useAncestorDeals: /*                            */ { 1: 'n/a', 2: 'yes', 3: 'yes' },
  viewSubAccountReports: /*                       */ { 1: 'yes', 2: 'yes', 3: 'n/a' },
  viewDspReporting: /*                            */ { 1: 'yes', 2: 'yes', 3: 'no' },
  viewOwnDealReports: /*                          */ { 1: 'yes', 2: 'yes', 3: 'yes' },
  seesOnlyOwnSpend: /*                            */ { 1: 'no', 2: 'no', 3: 'yes' },
} as const satisfies Record<LevelCapability, Record<Level, Cell>>;

/** The facts about an account that the level rules need. */
export interface LevelFacts {
  level: Level;
  /** A level-3 account with no parent: a standalone premium client, its own root. */
  standaloneClient: boolean;
}

/**
 * Whether an account may use a capability. The one exception to the table (SPEC 2.1): a standalone premium client
 * links its own seats (still one per DSP) and sees full DSP reporting for them.
 */
export function levelAllows(capability: LevelCapability, account: LevelFacts): boolean {
  if (account.standaloneClient && (capability === 'linkSeats' || capability === 'viewDspReporting')) return true;
  return LEVEL_CAPABILITIES[capability][account.level] === 'yes';
}
