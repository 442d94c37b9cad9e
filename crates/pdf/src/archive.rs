//! What a printed case archive (个案档案, issue 4 point 8) holds: plain text only, already put in
//! words by the caller. Nothing here knows about cases; the web layer maps a loaded case onto it
//! (`web::cases::archive`), so the rules of what is shown live there and this crate only typesets.

use serde::Serialize;

/// The whole archive, in the order it is printed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CaseArchive {
    /// The station's name, printed in every page's header.
    pub station: String,
    pub case_id: i64,
    pub person_name: String,
    /// The ID number as shown on screen (masked), never the full number.
    pub id_number_masked: String,
    /// 一般 / 敏感 / 机密.
    pub sensitivity: String,
    /// Printed in the header of every page when set (e.g. 机密).
    pub marking: Option<String>,
    /// Further facts of the first block: state, opened on, workers…
    pub facts: Vec<Field>,
    /// The stages and their records (intake, needs, plan, service records, evaluation, closing)
    /// and the tables after them (follow-ups, history).
    pub sections: Vec<Section>,
    pub printed_by: String,
    pub printed_at: String,
}

/// One part of the archive, with the standard's clause in its title.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Section {
    pub title: String,
    /// Printed instead of the records when there are none.
    pub empty: String,
    pub records: Vec<Record>,
    pub table: Option<Table>,
}

/// A record as labelled fields, with an optional heading (e.g. the date of a service record).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Record {
    pub heading: Option<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Field {
    pub label: String,
    /// May hold several lines.
    pub value: String,
}

impl Field {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            label: label.into(),
            value: value.into(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}
