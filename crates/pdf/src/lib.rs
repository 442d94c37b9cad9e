//! PDF documents of shegong, typeset by typst used as a library (decision 0018). Its own crate so
//! that the typst build (minutes) is not redone whenever the web crate changes.
//!
//! [`Engine::load`] scans the font folders once (the fonts themselves are read on first use) and is
//! shared by every request (`Send + Sync`). Typst draws a character no font covers as a blank
//! without a word (design.md, "Verified"), so [`Engine::render`] checks every character against the
//! fonts found first and reports the missing ones — on the first page of the document and in
//! [`Rendered::missing`].

mod archive;

pub use archive::{CaseArchive, Field, Record, Section, Table};

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Dict, Value};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;
use typst_layout::PagedDocument;

/// Where Debian and most Linux systems keep fonts; `SHEGONG_FONT_DIRS` or the configuration file
/// name others.
pub const DEFAULT_FONT_DIRS: [&str; 1] = ["/usr/share/fonts"];

/// The font folders of a list such as `SHEGONG_FONT_DIRS` (`:`-separated, as `PATH`); empty
/// entries are dropped, so an empty list means the default folders.
pub fn font_dirs(list: &OsStr) -> Vec<PathBuf> {
    std::env::split_paths(list)
        .filter(|p| !p.as_os_str().is_empty())
        .collect()
}

/// The package that brings the Chinese fonts, named in the answer when there are none.
pub const FONT_PACKAGES: &str = "fonts-noto-cjk fonts-hanazono";

/// Characters every Chinese document needs: without a font for these there is no archive to print.
const CJK_PROBE: &str = "个案档案社工站第页共";

const ARCHIVE_TEMPLATE: &str = include_str!("archive.typ");

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No font covers Chinese text: every character would print as a blank.
    #[error("no CJK font in the font folders; install {FONT_PACKAGES}")]
    NoCjkFont,
    /// Typst refused the document (a bug in the template, never the user's text).
    #[error("typst: {0}")]
    Typst(String),
}

/// A typeset document.
#[derive(Debug)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// Characters no font covers: printed as blanks, named on the first page.
    pub missing: Vec<char>,
}

/// The fonts and templates, loaded once.
pub struct Engine {
    fonts: FontStore,
    archive: Source,
}

impl Engine {
    /// Scans the font folders (recursively; none given: [`DEFAULT_FONT_DIRS`]). Folders that do
    /// not exist are skipped: an engine with no fonts still answers [`Engine::has_cjk`] `false`,
    /// so the caller can say what to install.
    pub fn load<P: AsRef<Path>>(dirs: &[P]) -> Engine {
        let mut fonts = FontStore::new();
        if dirs.is_empty() {
            for dir in DEFAULT_FONT_DIRS {
                fonts.extend(typst_kit::fonts::scan(Path::new(dir)));
            }
        }
        for dir in dirs {
            fonts.extend(typst_kit::fonts::scan(dir.as_ref()));
        }
        Engine {
            fonts,
            archive: Source::detached(ARCHIVE_TEMPLATE),
        }
    }

    /// How many font faces were found.
    pub fn faces(&self) -> usize {
        (0..).take_while(|i| self.book().info(*i).is_some()).count()
    }

    /// Whether some font covers everyday Chinese text.
    pub fn has_cjk(&self) -> bool {
        self.missing(CJK_PROBE).is_empty()
    }

    /// The characters of `text` that no font covers, each once, in code point order. Spaces and
    /// control characters need no glyph and are never reported.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let wanted: BTreeSet<char> = text
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect();
        let book = self.book();
        let infos: Vec<_> = (0..).map_while(|i| book.info(i)).collect();
        wanted
            .into_iter()
            .filter(|c| !infos.iter().any(|f| f.coverage.contains(*c as u32)))
            .collect()
    }

    /// Typesets a case archive.
    pub fn render(&self, archive: &CaseArchive) -> Result<Rendered, PdfError> {
        if !self.has_cjk() {
            return Err(PdfError::NoCjkFont);
        }
        let mut data = serde_json::to_value(archive).map_err(|e| PdfError::Typst(e.to_string()))?;
        // JSON keys and punctuation are ASCII, which every CJK font covers: checking the whole
        // text checks exactly the user's strings.
        let missing = self.missing(&data.to_string());
        data["missing"] = missing.iter().map(|c| code_point(*c)).collect();
        let doc = self.compile(&self.archive, &data)?;
        let pdf = typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default())
            .map_err(|e| PdfError::Typst(format!("{e:?}")))?;
        Ok(Rendered {
            pdf,
            pages: doc.pages().len(),
            missing,
        })
    }

    fn compile(&self, main: &Source, data: &serde_json::Value) -> Result<PagedDocument, PdfError> {
        let mut inputs = Dict::new();
        inputs.insert("data".into(), Value::Str(data.to_string().into()));
        let world = Job {
            engine: self,
            main: main.clone(),
            library: LazyHash::new(Library::builder().with_inputs(inputs).build()),
        };
        let out = typst::compile::<PagedDocument>(&world).output;
        // typst memoises across compilations; without eviction a server's memory only grows.
        typst::comemo::evict(10);
        out.map_err(|e| PdfError::Typst(format!("{e:?}")))
    }

    fn book(&self) -> &FontBook {
        self.fonts.book()
    }
}

/// `U+2A6A5`: how a missing character is named (it cannot be printed).
fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// One compilation: the template, its inputs and the engine's fonts. No files are read.
struct Job<'a> {
    engine: &'a Engine,
    main: Source,
    library: LazyHash<Library>,
}

impl World for Job<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.engine.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, _id: FileId) -> FileResult<Bytes> {
        Err(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.fonts.font(index)
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

#[cfg(any(test, feature = "test-support"))]
pub mod testing;

#[cfg(test)]
mod tests;
