DROP INDEX cases_household;
ALTER TABLE cases DROP COLUMN title;
