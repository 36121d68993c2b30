import { createFileRoute } from '@tanstack/react-router';
import { OutboxScreen } from '../features/outbox/outbox';

export const Route = createFileRoute('/outbox')({ component: OutboxScreen });
