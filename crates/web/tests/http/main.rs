//! HTTP tests: every route, including the forbidden and out-of-scope cases, on both databases.

mod helpers;

mod access_matrix;
mod account;
mod audit_log;
mod bad_input;
mod households;
mod login;
mod ops;
mod org;
mod persons;
mod users;
