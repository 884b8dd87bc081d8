-- One backfill batch ($1 = batch size): copy the next orders by key into the table each belongs
-- in (upsert, so rows the dual write already copied are simply refreshed), remove them from the
-- other, and save the progress — one statement, one transaction.
with progress as (
  select coalesce((select last_id from backfill_progress where job = 'orders_split'), 0) as last_id
), batch as (
  select o.*, order_is_archived(o.status, o.placed_at) as archived
    from orders o, progress p where o.id > p.last_id order by o.id limit $1
), left_active as (
  delete from orders_active a using batch b where a.id = b.id and b.archived
), left_archive as (
  delete from orders_archived r using batch b where r.id = b.id and not b.archived
), active as (
  insert into orders_active select id, customer, status, placed_at, total from batch where not archived
  on conflict (id) do update set customer = excluded.customer, status = excluded.status, placed_at = excluded.placed_at, total = excluded.total
), archived as (
  insert into orders_archived select id, customer, status, placed_at, total from batch where archived
  on conflict (id) do update set customer = excluded.customer, status = excluded.status, placed_at = excluded.placed_at, total = excluded.total
), saved as (
  insert into backfill_progress (job, last_id)
  select 'orders_split', max(id) from batch having count(*) > 0
  on conflict (job) do update set last_id = excluded.last_id
)
select count(*) as processed from batch
