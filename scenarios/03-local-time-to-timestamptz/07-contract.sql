-- Contract: nothing has used the zone-less column for a window (occurred-at-unused), so it goes.
alter table events drop column occurred_at;
drop table backfill_progress;
