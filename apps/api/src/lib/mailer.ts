import { outbox, type Trx } from '@trellis/db';

export type OutgoingMail = outbox.Mail;

/**
 * Where invitation emails go. The built-in mailer writes them to the outbox table inside the transaction of the
 * change that sends them (nothing is sent for a change that rolls back); the web app shows the outbox, so a local
 * install works without a mail server. A real mailer can relay the outbox to SMTP.
 */
export interface Mailer {
  send(trx: Trx, mail: OutgoingMail): Promise<void>;
}

export const outboxMailer: Mailer = {
  send: (trx, mail) => outbox.insertMail(trx, mail),
};
