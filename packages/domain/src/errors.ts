/** Every refusal the rules can give. The api maps each code to a transport error in one table. */
export type DomainErrorCode =
  | 'FORBIDDEN_BY_LEVEL'
  | 'FORBIDDEN_BY_ROLE'
  | 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT'
  | 'FORBIDDEN_BY_SCOPE'
  | 'FORBIDDEN_BY_PREMIUM_CLIENT'
  | 'FORBIDDEN_PLATFORM_OPERATOR_ONLY'
  | 'OUT_OF_SCOPE'
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'INVALID_PARENT'
  | 'NAME_TAKEN'
  | 'ACCOUNT_ARCHIVED'
  | 'ACCOUNT_HAS_ACTIVE_CHILDREN'
  | 'LAST_ROOT_ADMIN'
  | 'INVITATION_EXPIRED'
  | 'INVITATION_USED'
  | 'INVITATION_REVOKED'
  | 'INVITATION_FOR_ANOTHER_USER'
  | 'INVITATION_NEEDS_SIGN_IN'
  | 'ALREADY_MEMBER'
  | 'INVALID_CREDENTIALS'
  | 'TOO_MANY_ATTEMPTS'
  | 'SEAT_ALREADY_LINKED'
  | 'SEAT_ONE_PER_DSP'
  | 'SEAT_ALREADY_THERE'
  | 'FORBIDDEN_BY_SEAT_RULE'
  | 'DEAL_ID_TAKEN'
  | 'CONNECTION_INVALID'
  | 'CONNECTION_EXPIRED'
  | 'CLIENT_ALREADY_CONNECTED'
  | 'FORBIDDEN_FOR_STANDARD_CLIENT'
  | 'CAMPAIGN_OWNER_IMMUTABLE'
  | 'CAMPAIGN_NEEDS_CLIENT'
  | 'DEAL_NOT_USABLE'
  | 'INSUFFICIENT_CREDIT'
  | 'PAYMENT_DECLINED'
  | 'INSUFFICIENT_FUNDS'
  | 'CARD_INVALID'
  | 'IDEMPOTENCY_CONFLICT'
  | 'REFUND_TOO_LARGE'
  | 'CHANGED_MEANWHILE';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Field-level detail for INVALID_INPUT. */
    readonly fields?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
