//! Messages shown to people: Chinese first (the product's default language), English second.

use serde::Serialize;
use std::borrow::Cow;

/// A user-facing message in both languages of the product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Msg {
    pub zh: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Msg {
    pub const fn new(zh: &'static str, en: &'static str) -> Self {
        Msg {
            zh: Cow::Borrowed(zh),
            en: Cow::Borrowed(en),
        }
    }

    pub fn owned(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Msg {
            zh: Cow::Owned(zh.into()),
            en: Cow::Owned(en.into()),
        }
    }

    pub fn get(&self, english: bool) -> &str {
        if english { &self.en } else { &self.zh }
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.zh)
    }
}

/// One invalid field of a form or JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: Msg,
}

/// Every invalid field of one input, so a form can show all messages at once instead of one per
/// round trip (a worker on a phone should not have to submit five times).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invalid {
    pub errors: Vec<FieldError>,
}

impl Invalid {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn one(field: &'static str, message: Msg) -> Self {
        Invalid {
            errors: vec![FieldError { field, message }],
        }
    }

    pub fn add(&mut self, field: &'static str, message: Msg) {
        self.errors.push(FieldError { field, message });
    }

    /// Records the error of a field check and returns its value when it passed.
    pub fn check<T>(&mut self, field: &'static str, r: Result<T, Msg>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(m) => {
                self.add(field, m);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn into_result(self) -> Result<(), Invalid> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn message_for(&self, field: &str) -> Option<&Msg> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| &e.message)
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message.zh))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for Invalid {}
