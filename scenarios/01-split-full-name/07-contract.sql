-- Contract: nothing has used full_name for a window (full-name-unused), so it goes.
alter table users drop column full_name;
drop table backfill_progress;
