//! `pressgate audit`: crawl a site, run every page rule and the site-level checks, report.
pub mod model;

pub use model::{AuditFinding, AuditReport, AuditSummary, Category, CategoryScore, PageRecord};
