//! pressgate: generate, check and audit articles with local models, gated by fact-check,
//! citation and E-E-A-T/SEO rules.
//!
//! The binary (`src/main.rs`) only calls [`cli::run`]; everything else lives here.
pub mod audit;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod doc;
pub mod error;
pub mod finding;
pub mod fix;
pub mod generate;
pub mod llm;
pub mod paths;
pub mod report;
pub mod rules;
pub mod sources;
pub mod span;
#[cfg(test)]
mod test_fixtures;
pub mod timing;
pub mod verify;
pub mod walk;

pub use error::{Error, Result};
pub use finding::{Finding, Severity};
pub use span::Span;
