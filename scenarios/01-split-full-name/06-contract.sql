-- Contract: nothing reads full_name any more.
drop trigger users_name_reverse_sync on users;
drop function users_name_reverse_sync(), users_name_dual_write();
alter table users drop column full_name;
drop table backfill_progress;
