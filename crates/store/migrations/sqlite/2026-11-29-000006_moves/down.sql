DROP TABLE transfers;
DROP TABLE duplicate_dismissals;
