import { Badge } from '../../components/ui/badge';

const KIND = { holding: ['Holding', 'violet'], agency: ['Agency', 'blue'], client: ['Client', 'green'] } as const;

export function KindBadges({
  kind,
  level,
  clientTier,
  archived,
}: {
  kind: keyof typeof KIND;
  level: number;
  clientTier?: string | null;
  archived?: boolean;
}) {
  return (
    <span className="badges inline-flex flex-wrap items-center gap-1 align-middle">
      <Badge tone={KIND[kind][1]}>{KIND[kind][0]}</Badge>
      <Badge title={`Level ${level}`} aria-label={`Level ${level}`}>
        L{level}
      </Badge>
      {clientTier && <Badge tone={clientTier === 'premium' ? 'amber' : 'neutral'}>{clientTier}</Badge>}
      {archived && <Badge tone="red">archived</Badge>}
    </span>
  );
}
