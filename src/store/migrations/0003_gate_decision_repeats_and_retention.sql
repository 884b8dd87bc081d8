CREATE TABLE "parity"."maintenance_claims" (
	"task" text NOT NULL,
	"slot" timestamp with time zone NOT NULL,
	"claimed_by" text NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"report" jsonb,
	CONSTRAINT "maintenance_claims_task_slot_pk" PRIMARY KEY("task","slot")
);
--> statement-breakpoint
CREATE TABLE "parity"."result_metric_imports" (
	"result_id" text PRIMARY KEY NOT NULL,
	"imported_by" text NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "parity"."gate_decisions" ADD COLUMN "repeat_count" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "parity"."gate_decisions" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
UPDATE "parity"."gate_decisions" SET "last_seen_at" = "evaluated_at";--> statement-breakpoint
ALTER TABLE "parity"."gate_decisions" ALTER COLUMN "last_seen_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "parity"."result_metric_imports" ADD CONSTRAINT "result_metric_imports_result_id_check_results_id_fk" FOREIGN KEY ("result_id") REFERENCES "parity"."check_results"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "check_results_finished_idx" ON "parity"."check_results" USING btree ("finished_at");--> statement-breakpoint
CREATE INDEX "gate_decisions_last_seen_idx" ON "parity"."gate_decisions" USING btree ("last_seen_at");--> statement-breakpoint
-- Hand-written (drizzle-kit does not model triggers): every statement that changes check results
-- notifies listening replicas, whose gate caches then drop what they hold (src/store/result-changes.ts).
-- Per statement, not per row, and Postgres folds identical notifications of one transaction into one.
CREATE FUNCTION "parity"."notify_results_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('parity_results_changed', '');
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "check_results_changed" AFTER INSERT OR UPDATE OR DELETE ON "parity"."check_results"
  FOR EACH STATEMENT EXECUTE FUNCTION "parity"."notify_results_changed"();
