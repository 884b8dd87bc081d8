-- Contract: the zone-less column goes.
drop trigger events_instant_reverse_sync on events;
drop function events_instant_reverse_sync(), events_instant_dual_write();
alter table events drop column occurred_at;
drop table backfill_progress;
