-- Corrections of saved records (issue 3): investigations (8.1.1.1), assistance reviews (8.1.1.2)
-- and elderly visits (8.2.1.1) can be corrected or deleted with a reason. A deletion only marks
-- the record: it stays in the database, out of lists and due dates, and the person's edit history
-- keeps what it said. The reason of every correction is kept beside the change it explains.
ALTER TABLE household_investigations ADD COLUMN deleted_at BIGINT;
ALTER TABLE household_investigations ADD COLUMN deleted_by TEXT;
ALTER TABLE household_investigations ADD COLUMN delete_reason TEXT;
ALTER TABLE assistance_reviews ADD COLUMN deleted_at BIGINT;
ALTER TABLE assistance_reviews ADD COLUMN deleted_by TEXT;
ALTER TABLE assistance_reviews ADD COLUMN delete_reason TEXT;
ALTER TABLE care_visits ADD COLUMN deleted_at BIGINT;
ALTER TABLE care_visits ADD COLUMN deleted_by TEXT;
ALTER TABLE care_visits ADD COLUMN delete_reason TEXT;
ALTER TABLE person_history ADD COLUMN reason TEXT;
