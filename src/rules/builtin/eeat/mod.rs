//! E-E-A-T pack: bylines, authors, publisher, AI disclosure and YMYL safeguards.
mod ai_disclosure;
mod author_link;
mod byline_mismatch;
mod byline_missing;
mod experience_signals;
mod generic_author;
mod publisher_missing;
mod ymyl_reviewer;
mod ymyl_uncited_number;

use crate::rules::Rule;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(byline_missing::BylineMissing),
        Box::new(byline_mismatch::BylineMismatch),
        Box::new(generic_author::GenericAuthor),
        Box::new(author_link::AuthorLinkMissing),
        Box::new(publisher_missing::PublisherMissing),
        Box::new(ai_disclosure::AiDisclosureMissing),
        Box::new(ymyl_reviewer::YmylReviewerMissing),
        Box::new(ymyl_uncited_number::YmylUncitedNumber),
        Box::new(experience_signals::ExperienceSignalsMissing),
    ]
}
