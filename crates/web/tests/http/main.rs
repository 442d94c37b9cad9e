//! HTTP tests: every route, including the forbidden and out-of-scope cases, on both databases.

mod helpers;

mod access_matrix;
mod account;
mod assessments;
mod attachments;
mod audit_log;
mod bad_input;
mod care;
mod case_archive;
mod case_pages;
mod case_routes;
mod cases;
mod exports;
mod households;
mod imports;
mod login;
mod moves;
mod ops;
mod org;
mod person_pages;
mod persons;
mod protection;
mod quality;
mod users;
