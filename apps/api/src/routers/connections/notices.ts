import type { Side } from '@trellis/domain';
import { accounts, type Trx } from '@trellis/db';
import type { Mailer } from '../../lib/mailer';
import { notifyMembers } from '../../lib/notices';

type Step = 'request' | 'accept' | 'decline' | 'withdraw';

/** What each step of a connection tells the other side, in the product's words (SPEC 2.2). */
function wording(step: Step, by: Side, who: string, c: { client: string; agency: string }) {
  const [actor, other] = by === 'client' ? [c.client, c.agency] : [c.agency, c.client];
  switch (step) {
    case 'request':
      return {
        subject: `${actor} asks to connect with ${other}`,
        body:
          `${who} of ${actor} asked to connect ${c.client}, a premium client, with the agency ${c.agency}. ` +
          `Once accepted, ${c.agency} and its holding operate ${c.client} as one of their clients; ` +
          `${c.client} keeps its own data, and either side may disconnect at any time. ` +
          `An admin of ${other} accepts or declines the request on its Connections page; it expires after 14 days.`,
      };
    case 'accept':
      return {
        subject: `${actor} accepted the request to connect with ${other}`,
        body:
          `${who} of ${actor} accepted the request: ${c.client} is now connected to ${c.agency}, and ${c.agency} ` +
          `and its holding operate it as one of their clients. Either side may disconnect at any time.`,
      };
    case 'decline':
      return {
        subject: `${actor} declined the request to connect with ${other}`,
        body:
          `${who} of ${actor} declined the request: ${c.client} and ${c.agency} are not connected. ` +
          `A new request may be sent at any time.`,
      };
    case 'withdraw':
      return {
        subject: `${actor} withdrew its request to connect with ${other}`,
        body:
          `${who} of ${actor} withdrew the request to connect ${c.client} with ${c.agency}: ` +
          `there is nothing left to answer. ${actor} may send a new request later.`,
      };
    default: {
      const never: never = step;
      throw new Error(`unhandled connection step ${String(never)}`);
    }
  }
}

/**
 * Mails the admins of the other side of a connection what `by` just did (the side that answers a request, the side
 * whose request was answered or withdrawn), with a link to their Connections page. Inside the caller's transaction,
 * after the change: the other side's account is read as it is now (an accepted client has moved under its agency).
 */
export async function tellOtherSide(
  trx: Trx,
  ctx: { user: { id: string; name: string }; mailer: Mailer; publicUrl: string },
  step: Step,
  by: Side,
  c: { clientId: string; clientName: string; agencyId: string; agencyName: string },
): Promise<number> {
  const other = (await accounts.findAccount(trx, by === 'client' ? c.agencyId : c.clientId))!;
  return notifyMembers(trx, ctx, {
    account: other,
    action: 'connections.manage',
    ...wording(step, by, ctx.user.name, { client: c.clientName, agency: c.agencyName }),
    path: `/accounts/${other.id}/connections`,
  });
}
