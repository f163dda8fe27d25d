//! Code-backed style rules (AI-slop and quality) that need more than a word list; the word-list
//! style rules are declarative, in `rules/style.toml`.
mod passive_voice;
mod repeated_openings;

pub use passive_voice::{is_passive, PassiveVoiceOveruse};
pub use repeated_openings::RepeatedSentenceOpenings;

use super::Rule;

pub fn all() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(RepeatedSentenceOpenings),
        Box::new(PassiveVoiceOveruse),
    ]
}
