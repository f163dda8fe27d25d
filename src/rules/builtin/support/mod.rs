//! Helpers shared by the code-backed rules: keyword matching, claim detection, URLs,
//! ISO 8601 dates, JSON-LD traversal and per-page settings.
pub mod cited;
pub mod claims;
pub mod dates;
pub mod jsonld;
pub mod keyword;
pub mod names;
pub mod options;
pub mod page;
pub mod pattern;
pub mod urls;
