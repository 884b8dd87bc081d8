-- Contract: nothing has used the old columns for a window (old-columns-unused), so they go.
alter table payments drop column amount, drop column currency_code;
alter table payments alter column currency set not null;
drop table backfill_progress;
