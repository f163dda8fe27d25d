//! `pressgate audit`: crawl a site, run every page rule and the site-level checks, report.
pub mod html;
pub mod model;
pub mod score;

pub use model::{AuditFinding, AuditReport, AuditSummary, Category, CategoryScore, PageRecord};
