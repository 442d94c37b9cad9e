ALTER TABLE assessments DROP COLUMN band_en;
ALTER TABLE assessments DROP COLUMN band_zh;
DROP TABLE case_attachments;
