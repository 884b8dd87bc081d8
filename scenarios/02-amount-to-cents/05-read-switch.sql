-- Read switch: the application reads and writes amount_cents / currency; old writes stop. A reverse
-- sync keeps amount / currency_code meaningful for a rollback until contract.
drop trigger payments_cents_dual_write on payments;

create function payments_cents_reverse_sync() returns trigger language plpgsql as $$
begin
  -- Multiplication is exact in numeric; division by 100.0 would round huge amounts.
  new.amount := new.amount_cents * 0.01;
  new.currency_code := new.currency;
  return new;
end
$$;

create trigger payments_cents_reverse_sync before insert or update of amount_cents, currency on payments
  for each row execute function payments_cents_reverse_sync();
