-- One backfill batch ($1 = batch size): the next rows by key after the recorded progress, split,
-- and the progress moved past them, all in one statement (one transaction). Idempotent: the split
-- is a pure function of full_name. Resumable: a killed batch rolls back, progress included.
with progress as (
  select coalesce((select last_id from backfill_progress where job = 'users_name'), 0) as last_id
), batch as (
  select u.id from users u, progress p where u.id > p.last_id order by u.id limit $1
), updated as (
  update users u set first_name = name_first(u.full_name), last_name = name_last(u.full_name)
    from batch b where u.id = b.id
  returning u.id
), saved as (
  insert into backfill_progress (job, last_id)
  select 'users_name', max(id) from batch having count(*) > 0
  on conflict (job) do update set last_id = excluded.last_id
)
select count(*) as processed from batch
