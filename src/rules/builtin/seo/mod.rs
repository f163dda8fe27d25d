//! SEO pack: titles, descriptions, headings, links, images, indexing and keywords.
mod canonical;
mod description_length;
mod description_missing;
mod duplicate_description;
mod duplicate_title;
mod duplicates;
mod heading_skip;
mod image_alt;
mod keyword_in_description;
mod keyword_in_h1;
mod keyword_in_intro;
mod keyword_in_title;
mod keyword_stuffing;
mod lang;
mod link_text;
mod noindex;
mod single_h1;
mod thin_content;
mod title_length;
mod title_missing;

use crate::rules::Rule;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(title_missing::TitleMissing),
        Box::new(title_length::TitleLength),
        Box::new(description_missing::DescriptionMissing),
        Box::new(description_length::DescriptionLength),
        Box::new(single_h1::SingleH1),
        Box::new(heading_skip::HeadingLevelSkipped),
        Box::new(thin_content::ThinContent),
        Box::new(image_alt::ImageAltMissing),
        Box::new(link_text::NonDescriptiveLinkText),
        Box::new(canonical::CanonicalUrl),
        Box::new(lang::LangMissing),
        Box::new(noindex::Noindex),
        Box::new(keyword_in_title::KeywordInTitle),
        Box::new(keyword_in_h1::KeywordInH1),
        Box::new(keyword_in_intro::KeywordInIntro),
        Box::new(keyword_in_description::KeywordInDescription),
        Box::new(keyword_stuffing::KeywordStuffing),
        Box::new(duplicate_title::DuplicateTitle),
        Box::new(duplicate_description::DuplicateDescription),
    ]
}
