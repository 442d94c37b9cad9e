DROP TABLE care_alerts;
DROP TABLE care_guardians;
DROP TABLE care_guardianship;
DROP TABLE care_visits;
DROP TABLE care_carers;
DROP TABLE care_elderly;
