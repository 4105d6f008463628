ALTER TABLE "runs" ADD COLUMN "adapter" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "memory_plan" jsonb;