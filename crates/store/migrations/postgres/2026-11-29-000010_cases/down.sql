DROP TABLE case_follow_ups;
DROP TABLE case_steps;
DROP TABLE case_records;
DROP TABLE case_workers;
DROP TABLE cases;
