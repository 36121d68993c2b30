import { createFileRoute } from '@tanstack/react-router';
import { IngestionScreen } from '../../../features/ingestion/ingestion';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/ingestion')({
  component: () => (
    <SectionPage section="ingestion">
      <IngestionScreen />
    </SectionPage>
  ),
});
