-- Contract: the old columns go.
drop trigger payments_cents_reverse_sync on payments;
drop function payments_cents_reverse_sync(), payments_cents_dual_write();
alter table payments drop column amount, drop column currency_code;
alter table payments alter column currency set not null;
drop table backfill_progress;
