-- One backfill batch ($1 = batch size), keyset-paginated, progress saved in the same statement.
with progress as (
  select coalesce((select last_id from backfill_progress where job = 'events_instant'), 0) as last_id
), batch as (
  select e.id from events e, progress p where e.id > p.last_id order by e.id limit $1
), updated as (
  update events e set occurred_at_tz = event_instant(e.occurred_at, e.time_zone)
    from batch b where e.id = b.id
  returning e.id
), saved as (
  insert into backfill_progress (job, last_id)
  select 'events_instant', max(id) from batch having count(*) > 0
  on conflict (job) do update set last_id = excluded.last_id
)
select count(*) as processed from batch
