-- A case's optional title (the contract's POST /api/v1/cases {"person_id", "title"?}): a short
-- label for lists and for finding a case again.
ALTER TABLE cases ADD COLUMN title TEXT;
-- A household-level case is listed for every member (issue 4 point 3).
CREATE INDEX cases_household ON cases(household_id);
