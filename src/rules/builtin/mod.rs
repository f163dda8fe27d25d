//! Code-backed rules for SEO, structured data, E-E-A-T and citations, one file each.
use super::Rule;

pub fn all() -> Vec<Box<dyn Rule>> {
    Vec::new()
}
