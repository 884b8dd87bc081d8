-- Dual write: every write of amount or currency_code also sets the new columns.
create function payments_cents_dual_write() returns trigger language plpgsql as $$
begin
  new.amount_cents := to_cents(new.amount);
  new.currency := currency_iso(new.currency_code);
  return new;
end
$$;

create trigger payments_cents_dual_write before insert or update of amount, currency_code on payments
  for each row execute function payments_cents_dual_write();
