-- One backfill batch ($1 = batch size), keyset-paginated, progress saved in the same statement.
with progress as (
  select coalesce((select last_id from backfill_progress where job = 'tickets_status'), 0) as last_id
), batch as (
  select t.id from tickets t, progress p where t.id > p.last_id order by t.id limit $1
), updated as (
  update tickets t set status_id = ticket_status_id(t.status)
    from batch b where t.id = b.id
  returning t.id
), saved as (
  insert into backfill_progress (job, last_id)
  select 'tickets_status', max(id) from batch having count(*) > 0
  on conflict (job) do update set last_id = excluded.last_id
)
select count(*) as processed from batch
