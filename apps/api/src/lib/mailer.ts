import { TRPCError } from '@trpc/server';
import nodemailer from 'nodemailer';
import { outbox, type Trx } from '@trellis/db';

export type OutgoingMail = outbox.Mail;

/**
 * Where invitation emails go. The built-in mailer writes them to the outbox table inside the transaction of the
 * change that sends them (nothing is sent for a change that rolls back); the web app shows the outbox, so a local
 * install works without a mail server. With TRELLIS_SMTP_URL, `smtpMailer` sends them for real (SPEC 12).
 */
export interface Mailer {
  /**
   * True when mail reaches the recipient's own mailbox: then a link in it is for the recipient's eyes only, and
   * neither the sender's answer nor the stored outbox copy carries it.
   */
  readonly delivers: boolean;
  send(trx: Trx, mail: OutgoingMail): Promise<void>;
}

export const outboxMailer: Mailer = {
  delivers: false,
  send: (trx, mail) => outbox.insertMail(trx, mail),
};

/**
 * Sends through SMTP (nodemailer; `smtp://user:pass@host:587`, `smtps://...`), inside the change's transaction so a
 * mail that cannot be sent fails the change; the outbox keeps the sender's copy without the link. A change that
 * rolls back after the send leaves the recipient a link that does not work.
 */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    delivers: true,
    async send(trx, mail) {
      await outbox.insertMail(trx, { ...mail, link: null });
      try {
        await transport.sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.link ? `${mail.body}\n\n${mail.link}\n` : `${mail.body}\n`,
        });
      } catch (e) {
        throw new TRPCError({
          code: 'SERVICE_UNAVAILABLE',
          message: 'The mail could not be sent; nothing was changed. Try again later.',
          cause: e,
        });
      }
    },
  };
}
