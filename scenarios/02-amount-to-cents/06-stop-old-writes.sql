-- Stop old writes: the reverse sync goes, and with it the last writer of amount / currency_code
-- (the dual write's function, dead since the read switch, too). The old-columns-unused check then
-- watches that nothing uses them for a whole window before contract drops them.
drop trigger payments_cents_reverse_sync on payments;
drop function payments_cents_reverse_sync(), payments_cents_dual_write();
