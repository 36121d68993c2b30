import { sql, type Kysely } from 'kysely';

/**
 * What a client holds from a tree stays in that tree (SPEC 2.2, 4, 5): the database itself refuses
 * - a seat's current mapping to an account outside the seat's root. Its history may name an account that has left
 *   since (a client that disconnected), so this is not a foreign key on every row but a check of the open row, run at
 *   commit (a move changes the account's root and, by cascade, the roots of its own seats, in one transaction);
 * - a campaign using a deal of another root: (deal_id, root_id) references deals (id, root_id), also checked at commit.
 * A disconnect hands the agency's seats back and removes its deals from the client's campaigns before the move; an
 * assignment or a campaign change racing it can no longer leave either behind in the client's new root.
 *
 * Rows left behind by that race before this migration are repaired first: such a seat goes back to the account that
 * linked it (its root), and such a deal comes off the campaign.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create temporary table stray_seats as
    select m.id as mapping_id, m.seat_id from seat_mappings m join accounts a on a.id = m.account_id
    where m.effective_to is null and a.root_id <> m.root_id`.execute(db);
  await sql`update seat_mappings set effective_to = greatest(now(), effective_from)
    where id in (select mapping_id from stray_seats)`.execute(db);
  await sql`
    insert into seat_mappings (root_id, seat_id, dsp, account_id, account_level, effective_from, assigned_by)
    select s.root_id, s.id, s.dsp, s.linked_by_account_id, a.level, m.effective_to, null
    from stray_seats x join seats s on s.id = x.seat_id join accounts a on a.id = s.linked_by_account_id
      join seat_mappings m on m.id = x.mapping_id`.execute(db);
  await sql`drop table stray_seats`.execute(db);

  await sql`
    create function seat_mapping_in_seat_root() returns trigger language plpgsql as $$
    begin
      if exists (
        select 1 from seat_mappings m join accounts a on a.id = m.account_id
        where m.id = new.id and m.effective_to is null and a.root_id <> m.root_id
      ) then
        raise exception 'a seat is mapped only to an account of its own organisation'
          using errcode = 'foreign_key_violation', constraint = 'seat_mappings_holder_in_root';
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create constraint trigger seat_mappings_holder_in_root after insert or update on seat_mappings
    deferrable initially deferred for each row execute function seat_mapping_in_seat_root()`.execute(db);
  await sql`
    create function account_holds_seats_in_root() returns trigger language plpgsql as $$
    begin
      if exists (
        select 1 from seat_mappings m join accounts a on a.id = m.account_id
        where m.account_id = new.id and m.effective_to is null and a.root_id <> m.root_id
      ) then
        raise exception 'a seat is mapped only to an account of its own organisation'
          using errcode = 'foreign_key_violation', constraint = 'seat_mappings_holder_in_root';
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create constraint trigger accounts_hold_seats_in_root after update of root_id on accounts
    deferrable initially deferred for each row when (old.root_id <> new.root_id)
    execute function account_holds_seats_in_root()`.execute(db);

  await sql`
    delete from campaign_deals cd using deals d
    where d.id = cd.deal_id and d.root_id <> cd.root_id`.execute(db);
  await sql`
    alter table campaign_deals add constraint campaign_deals_deal_in_root
    foreign key (deal_id, root_id) references deals (id, root_id) deferrable initially deferred`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table campaign_deals drop constraint if exists campaign_deals_deal_in_root`.execute(db);
  await sql`drop trigger if exists accounts_hold_seats_in_root on accounts`.execute(db);
  await sql`drop function if exists account_holds_seats_in_root()`.execute(db);
  await sql`drop trigger if exists seat_mappings_holder_in_root on seat_mappings`.execute(db);
  await sql`drop function if exists seat_mapping_in_seat_root()`.execute(db);
}
