//! Store errors. Database details stay in the logs; callers get a kind they can map to a status.

use shegong_domain::{Invalid, Msg};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Nothing there, or nothing the caller may see: the two are deliberately the same.
    #[error("not found")]
    NotFound,
    /// A unique value already taken, or a state that does not allow the change.
    #[error("conflict: {0}")]
    Conflict(Msg),
    #[error("invalid: {0}")]
    Invalid(Invalid),
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("{0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Whether the database refused a duplicate of a unique value.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Db(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

impl From<Invalid> for StoreError {
    fn from(i: Invalid) -> Self {
        StoreError::Invalid(i)
    }
}

/// Turns "no row" into [`StoreError::NotFound`] for single-record lookups.
pub trait OptionalExt<T> {
    fn found(self) -> StoreResult<T>;
}

impl<T> OptionalExt<T> for Result<T, diesel::result::Error> {
    fn found(self) -> StoreResult<T> {
        match self {
            Ok(v) => Ok(v),
            Err(diesel::result::Error::NotFound) => Err(StoreError::NotFound),
            Err(e) => Err(StoreError::Db(e)),
        }
    }
}
