import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc';
import { Empty, ErrorText, fmtTime, Section } from '../ui';

/** The built-in mailer's outbox: invitation emails wait here, so a local install works without a mail server. */
export function OutboxPage() {
  const trpc = useTRPC();
  const mail = useQuery(trpc.outbox.list.queryOptions({ limit: 100 }));
  return (
    <Section title="Outbox">
      <p className="muted">Emails Trellis has sent about the accounts you administer. No mail server is configured: open a link here, or hand it over yourself.</p>
      <ErrorText error={mail.error} />
      {mail.isSuccess && mail.data.items.length === 0 && <Empty>No emails yet. Invitations you send appear here.</Empty>}
      <ul className="list" data-testid="outbox">
        {mail.data?.items.map((m) => (
          <li key={m.id}>
            <strong>{m.subject}</strong> <span className="muted">to {m.to}, {fmtTime(m.createdAt)}</span>
            <div>{m.body}</div>
            {m.link && <a href={new URL(m.link).pathname}>{m.link}</a>}
          </li>
        ))}
      </ul>
    </Section>
  );
}
