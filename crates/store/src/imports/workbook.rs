//! Reading the first sheet of an `.xlsx` or `.xls` file into [`Cell`]s (calamine). Formulas give
//! their cached values; macros are never run (an `.xlsm` is refused). An `.xlsx` sheet is read as a
//! stream, so a file with a million rows is refused without holding them all.

use calamine::{Data, DataRef, Reader};
use shegong_domain::Msg;
use shegong_domain::roster::{Cell, HEADER_SEARCH_ROWS, MAX_ROWS};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// Columns beyond this are ignored (no roster has that many; a stray cell at XFD1 would otherwise
/// widen every row).
pub const MAX_COLUMNS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Not an Excel file at all (a renamed text file, an image, a damaged file).
    NotExcel,
    /// `.xlsm`: a workbook with macros.
    Macros,
    TooManyRows,
    Empty,
}

impl ReadError {
    pub fn msg(&self) -> Msg {
        match self {
            ReadError::NotExcel => Msg::new(
                "不是有效的 Excel 文件(只接受 .xlsx 或 .xls 格式;文件可能已损坏,或只是改了扩展名)",
                "not a valid Excel file (only .xlsx or .xls; the file may be damaged or merely renamed)",
            ),
            ReadError::Macros => Msg::new(
                "不接受含宏的 .xlsm 文件,请在 Excel 中另存为 .xlsx 后再导入",
                "workbooks with macros (.xlsm) are not accepted; save as .xlsx and import that",
            ),
            ReadError::TooManyRows => Msg::owned(
                format!("表格超过 {MAX_ROWS} 行,请拆分成几个文件分别导入"),
                format!("the sheet has more than {MAX_ROWS} rows; split it into several files"),
            ),
            ReadError::Empty => Msg::new(
                "文件中没有工作表或工作表是空的",
                "the file has no sheet, or the sheet is empty",
            ),
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The rows of the first sheet, each as many cells as it has (trailing empty cells may be missing).
pub fn read(bytes: &[u8], file_name: &str) -> Result<Vec<Vec<Cell>>, ReadError> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".xlsm") || lower.ends_with(".xltm") {
        return Err(ReadError::Macros);
    }
    let rows = if bytes.starts_with(ZIP_MAGIC) {
        read_xlsx(bytes)?
    } else if bytes.starts_with(OLE_MAGIC) {
        read_xls(bytes)?
    } else {
        return Err(ReadError::NotExcel);
    };
    if rows.iter().all(|r| r.iter().all(Cell::is_blank)) {
        return Err(ReadError::Empty);
    }
    Ok(rows)
}

fn put(rows: &mut Vec<Vec<Cell>>, r: usize, c: usize, cell: Cell) -> Result<(), ReadError> {
    if c >= MAX_COLUMNS || cell == Cell::Empty {
        return Ok(());
    }
    if r > MAX_ROWS + HEADER_SEARCH_ROWS {
        return Err(ReadError::TooManyRows);
    }
    if rows.len() <= r {
        rows.resize_with(r + 1, Vec::new);
    }
    let row = &mut rows[r];
    if row.len() <= c {
        row.resize(c + 1, Cell::Empty);
    }
    row[c] = cell;
    Ok(())
}

fn date_of(dt: &calamine::ExcelDateTime) -> Cell {
    if dt.is_duration() {
        return Cell::Number(dt.as_f64());
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    Cell::Date(format!("{y:04}-{m:02}-{d:02}"))
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, ReadError> {
    let mut book = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|_| ReadError::NotExcel)?;
    let Some(first) = book.sheet_names().first().cloned() else {
        return Err(ReadError::Empty);
    };
    let mut reader = book
        .worksheet_cells_reader(&first)
        .map_err(|_| ReadError::NotExcel)?;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => return Err(ReadError::NotExcel),
        };
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize, c as usize);
        let v = match cell.get_value() {
            DataRef::Empty => Cell::Empty,
            DataRef::String(s) => Cell::Text(s.clone()),
            DataRef::SharedString(s) => Cell::Text((*s).to_string()),
            DataRef::Int(i) => Cell::Digits(i.to_string()),
            DataRef::Float(f) => Cell::Number(*f),
            DataRef::Bool(b) => Cell::Bool(*b),
            DataRef::DateTime(dt) => date_of(dt),
            DataRef::DateTimeIso(s) => Cell::Date(s.chars().take(10).collect()),
            DataRef::DurationIso(s) => Cell::Text(s.clone()),
            DataRef::Error(e) => Cell::Error(e.to_string()),
        };
        put(&mut rows, r, c, v)?;
    }
    drop(reader);
    // Long numbers' exact digits, where the file has them.
    if rows
        .iter()
        .flatten()
        .any(|c| matches!(c, Cell::Number(n) if n.abs() >= 1e15))
    {
        for ((r, c), digits) in exact_integers(bytes).unwrap_or_default() {
            if let Some(cell @ Cell::Number(_)) = rows.get_mut(r).and_then(|row| row.get_mut(c)) {
                *cell = Cell::Digits(digits);
            }
        }
    }
    Ok(rows)
}

fn read_xls(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, ReadError> {
    let mut book = calamine::Xls::new(Cursor::new(bytes)).map_err(|_| ReadError::NotExcel)?;
    let Some(first) = book.sheet_names().first().cloned() else {
        return Err(ReadError::Empty);
    };
    let range = book
        .worksheet_range(&first)
        .map_err(|_| ReadError::NotExcel)?;
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for (i, row) in range.rows().enumerate() {
        for (j, v) in row.iter().enumerate() {
            let cell = match v {
                Data::Empty => Cell::Empty,
                Data::String(s) => Cell::Text(s.clone()),
                Data::Int(i) => Cell::Digits(i.to_string()),
                // BIFF stores numbers as binary doubles: no exact digits to recover.
                Data::Float(f) => Cell::Number(*f),
                Data::Bool(b) => Cell::Bool(*b),
                Data::DateTime(dt) => date_of(dt),
                Data::DateTimeIso(s) => Cell::Date(s.chars().take(10).collect()),
                Data::DurationIso(s) => Cell::Text(s.clone()),
                Data::Error(e) => Cell::Error(e.to_string()),
            };
            put(&mut rows, r0 as usize + i, c0 as usize + j, cell)?;
        }
    }
    Ok(rows)
}

/// Number cells of the first sheet written with 16 or more digits (`<v>430202199001011234</v>`):
/// their exact text, which a binary double cannot hold. Programs that export rosters often write
/// ID numbers this way; Excel itself writes at most 15 significant digits, so a number Excel saved
/// stays lossy (and is reported as such).
fn exact_integers(bytes: &[u8]) -> Option<HashMap<(usize, usize), String>> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let path = first_sheet_path(&mut zip)?;
    // Streamed: the sheet's XML is never held whole.
    let sheet = zip.by_name(&path).ok()?;
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(sheet));
    let mut buf = Vec::new();
    let mut out = HashMap::new();
    let mut current: Option<(usize, usize)> = None;
    let mut in_v = false;
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "c" => {
                let mut pos = None;
                let mut numeric = true;
                for a in e.attributes().flatten() {
                    match a.key.local_name().as_ref() {
                        "r" => pos = cell_ref(&a.value),
                        "t" => numeric = a.value.as_ref() == "n",
                        _ => {}
                    }
                }
                if pos.is_some_and(|(r, _)| r > MAX_ROWS + HEADER_SEARCH_ROWS) {
                    break;
                }
                current = if numeric { pos } else { None };
            }
            Event::End(e) if e.local_name().as_ref() == "c" => current = None,
            Event::Start(e) if e.local_name().as_ref() == "v" => in_v = true,
            Event::End(e) if e.local_name().as_ref() == "v" => in_v = false,
            Event::Text(t) if in_v => {
                if let Some(p) = current {
                    let s = t.as_ref().trim().to_string();
                    if s.len() >= 16 && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) {
                        out.insert(p, s);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Some(out)
}

fn first_sheet_path<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>) -> Option<String> {
    let mut wb = String::new();
    zip.by_name("xl/workbook.xml")
        .ok()?
        .read_to_string(&mut wb)
        .ok()?;
    let rid = attr_of_first(&wb, "sheet", "id")?;
    let mut rels = String::new();
    zip.by_name("xl/_rels/workbook.xml.rels")
        .ok()?
        .read_to_string(&mut rels)
        .ok()?;
    let mut reader = quick_xml::Reader::from_str(&rels);
    loop {
        match reader.read_event().ok()? {
            quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e)
                if e.local_name().as_ref() == "Relationship" =>
            {
                let mut id = None;
                let mut target = None;
                for a in e.attributes().flatten() {
                    match a.key.local_name().as_ref() {
                        "Id" => id = Some(a.value.to_string()),
                        "Target" => target = Some(a.value.to_string()),
                        _ => {}
                    }
                }
                if id.as_deref() == Some(rid.as_str()) {
                    let t = target?;
                    return Some(match t.strip_prefix('/') {
                        Some(abs) => abs.to_string(),
                        None => format!("xl/{t}"),
                    });
                }
            }
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
    }
}

fn attr_of_first(xml: &str, element: &str, attr: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().ok()? {
            quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e)
                if e.local_name().as_ref() == element =>
            {
                return e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == attr)
                    .map(|a| a.value.to_string());
            }
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
    }
}

/// `C4` → (3, 2).
fn cell_ref(r: &str) -> Option<(usize, usize)> {
    let letters: String = r.chars().take_while(char::is_ascii_alphabetic).collect();
    let digits = &r[letters.len()..];
    if letters.is_empty() || digits.is_empty() {
        return None;
    }
    let mut col = 0usize;
    for b in letters.bytes() {
        col = col * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    let row: usize = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_refs() {
        assert_eq!(cell_ref("A1"), Some((0, 0)));
        assert_eq!(cell_ref("C4"), Some((3, 2)));
        assert_eq!(cell_ref("AA10"), Some((9, 26)));
        assert_eq!(cell_ref("10"), None);
    }

    #[test]
    fn non_spreadsheets_are_refused() {
        assert_eq!(read(b"hello", "a.xlsx"), Err(ReadError::NotExcel));
        assert_eq!(
            read(b"PK\x03\x04garbage", "a.xlsx"),
            Err(ReadError::NotExcel)
        );
        assert_eq!(read(b"PK\x03\x04", "a.xlsm"), Err(ReadError::Macros));
    }
}

#[cfg(test)]
mod sample_tests {
    #[test]
    fn exact_digits_of_number_cells_are_recovered() {
        let b = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/roster-yuetang.xlsx"
        ))
        .unwrap();
        let m = super::exact_integers(&b).unwrap();
        assert_eq!(
            m.get(&(6, 2)).map(String::as_str),
            Some("430202194912310274")
        );
    }
}
