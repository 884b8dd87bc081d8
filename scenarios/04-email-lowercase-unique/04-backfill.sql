-- One backfill batch ($1 = batch size): each account in the batch gets its normalized email, or a
-- pointer to the first account with the same one. Looks across the whole table, not the batch.
with progress as (
  select coalesce((select last_id from backfill_progress where job = 'accounts_email'), 0) as last_id
), batch as (
  select a.id from accounts a, progress p where a.id > p.last_id order by a.id limit $1
), resolved as (
  select a.id, email_key(a.email) as key,
         (select min(b.id) from accounts b where email_key(b.email) = email_key(a.email)) as first_id
    from accounts a join batch using (id)
), updated as (
  update accounts a
     set email_normalized = case when r.first_id = a.id then r.key end,
         duplicate_of = case when r.first_id <> a.id then r.first_id end
    from resolved r where a.id = r.id
  returning a.id
), saved as (
  insert into backfill_progress (job, last_id)
  select 'accounts_email', max(id) from batch having count(*) > 0
  on conflict (job) do update set last_id = excluded.last_id
)
select count(*) as processed from batch
