CREATE SCHEMA IF NOT EXISTS "parity";
--> statement-breakpoint
CREATE TABLE "parity"."check_leases" (
	"check_id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"holder" text NOT NULL,
	"acquired_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "parity"."check_results" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"check_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"definition_hash" text NOT NULL,
	"summary" text,
	"observations" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"statements" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" jsonb,
	"slot" timestamp with time zone,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer
);
--> statement-breakpoint
CREATE TABLE "parity"."gate_decisions" (
	"id" text PRIMARY KEY NOT NULL,
	"migration_id" text NOT NULL,
	"phase" text NOT NULL,
	"allowed" boolean NOT NULL,
	"requested_by" text,
	"reasons" jsonb NOT NULL,
	"checks" jsonb NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "parity"."meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "parity"."result_samples" (
	"result_id" text NOT NULL,
	"ordinal" integer NOT NULL,
	"category" text NOT NULL,
	"key" jsonb NOT NULL,
	"old" jsonb,
	"new" jsonb,
	"detail" jsonb,
	CONSTRAINT "result_samples_result_id_ordinal_pk" PRIMARY KEY("result_id","ordinal")
);
--> statement-breakpoint
CREATE TABLE "parity"."runs" (
	"id" text PRIMARY KEY NOT NULL,
	"trigger" text NOT NULL,
	"requested_by" text,
	"status" text NOT NULL,
	"check_ids" jsonb NOT NULL,
	"selector" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"summary" jsonb,
	"owner" text,
	"heartbeat_at" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "parity"."schedule_claims" (
	"check_id" text NOT NULL,
	"slot" timestamp with time zone NOT NULL,
	"claimed_by" text NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"run_id" text,
	"outcome" text DEFAULT 'claimed' NOT NULL,
	CONSTRAINT "schedule_claims_check_id_slot_pk" PRIMARY KEY("check_id","slot")
);
--> statement-breakpoint
ALTER TABLE "parity"."check_results" ADD CONSTRAINT "check_results_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "parity"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parity"."result_samples" ADD CONSTRAINT "result_samples_result_id_check_results_id_fk" FOREIGN KEY ("result_id") REFERENCES "parity"."check_results"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "check_results_check_finished_idx" ON "parity"."check_results" USING btree ("check_id","finished_at");--> statement-breakpoint
CREATE INDEX "check_results_run_idx" ON "parity"."check_results" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "gate_decisions_migration_idx" ON "parity"."gate_decisions" USING btree ("migration_id","evaluated_at");--> statement-breakpoint
CREATE INDEX "runs_created_at_idx" ON "parity"."runs" USING btree ("created_at");