CREATE TABLE "parity"."scan_checkpoints" (
	"scan_key" text PRIMARY KEY NOT NULL,
	"check_ids" jsonb NOT NULL,
	"run_id" text NOT NULL,
	"key_columns" jsonb,
	"last_key" jsonb,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"chunks" integer DEFAULT 0 NOT NULL,
	"chunk_rows" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "scan_checkpoints_updated_at_idx" ON "parity"."scan_checkpoints" USING btree ("updated_at");