-- One backfill batch ($1 = batch size), keyset-paginated, progress saved in the same statement.
with progress as (
  select coalesce((select last_id from backfill_progress where job = 'payments_cents'), 0) as last_id
), batch as (
  select p.id from payments p, progress g where p.id > g.last_id order by p.id limit $1
), updated as (
  update payments p set amount_cents = to_cents(p.amount), currency = currency_iso(p.currency_code)
    from batch b where p.id = b.id
  returning p.id
), saved as (
  insert into backfill_progress (job, last_id)
  select 'payments_cents', max(id) from batch having count(*) > 0
  on conflict (job) do update set last_id = excluded.last_id
)
select count(*) as processed from batch
