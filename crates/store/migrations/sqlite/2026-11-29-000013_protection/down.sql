DROP TABLE notifications;
DROP TABLE case_protection;
