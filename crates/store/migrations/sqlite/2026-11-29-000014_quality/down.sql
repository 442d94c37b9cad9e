DROP TABLE quality_actions;
DROP TABLE quality_review_cases;
DROP TABLE quality_reviews;
DROP TABLE supervision_records;
