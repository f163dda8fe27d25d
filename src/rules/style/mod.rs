//! Code-backed style rules (AI-slop and quality) that need more than a word list.
use super::Rule;

pub fn all() -> Vec<Box<dyn Rule>> {
    Vec::new()
}
