//! The prompts: short and concrete, because small models follow one clear instruction and lose
//! track of long ones. The pipeline owns the article's structure; the model writes an outline
//! and then prose for one section at a time from numbered evidence.
use super::brief::Brief;
use super::evidence::EvidenceChunk;
use crate::llm::backend::ChatRequest;
use crate::sources::fence_for_prompt;

/// The line that starts the findings feedback in a repair prompt.
pub const FEEDBACK_HEADING: &str = "Problems to fix in the previous draft:";

const SECTION_SYSTEM: &str = "You write one section of a factual web article. Use only facts from the numbered sources. After each sentence that uses a fact, write the source number in brackets, like [1]. Write plain paragraphs: no headings, no lists, no greetings, no notes.";

const OUTLINE_SYSTEM: &str =
    "You plan web articles. Answer with section headings only, one per line, nothing else.";

/// Generation settings shared by every request of a brief.
#[derive(Debug, Clone, Copy)]
pub struct Sampling {
    pub temperature: f32,
    pub top_p: f32,
    pub seed: u64,
}

fn request(
    system: &str,
    user: String,
    max_new_tokens: usize,
    sampling: Sampling,
    seed_offset: u64,
) -> ChatRequest {
    let mut request = ChatRequest::new(Some(system), &user);
    request.max_new_tokens = max_new_tokens;
    request.temperature = sampling.temperature;
    request.top_p = sampling.top_p;
    request.seed = sampling.seed.wrapping_add(seed_offset);
    request
}

fn audience_line(brief: &Brief) -> String {
    brief
        .audience
        .as_deref()
        .map(|a| format!("Readers: {a}.\n"))
        .unwrap_or_default()
}

/// Ask for `sections` H2 headings for the article.
pub fn outline(
    brief: &Brief,
    sections: usize,
    hints: &[String],
    sampling: Sampling,
) -> ChatRequest {
    let mut user = format!(
        "Article title: {}\nMain keyword: {}\n{}",
        brief.title,
        brief.primary_keyword,
        audience_line(brief)
    );
    if !hints.is_empty() {
        user.push_str("Topics covered by the sources: ");
        user.push_str(&hints.iter().take(8).cloned().collect::<Vec<_>>().join("; "));
        user.push('\n');
    }
    if let Some(notes) = &brief.notes {
        user.push_str(&format!("Editor's notes: {notes}\n"));
    }
    user.push_str(&format!(
        "Write {sections} short section headings for this article, one per line."
    ));
    request(OUTLINE_SYSTEM, user, 24 * sections + 16, sampling, 0)
}

fn evidence_block(evidence: &[EvidenceChunk]) -> String {
    let mut out = String::from("Sources:\n");
    for chunk in evidence {
        out.push_str(&format!(
            "[{}] {}\n",
            chunk.number,
            fence_for_prompt(chunk.text.trim())
        ));
    }
    out
}

/// What a section is asked to contain.
pub struct SectionAsk<'a> {
    pub title: &'a str,
    /// `None` for the introduction.
    pub heading: Option<&'a str>,
    pub words: usize,
    pub evidence: &'a [EvidenceChunk],
    pub max_new_tokens: usize,
    pub seed_offset: u64,
}

fn task_line(brief: &Brief, ask: &SectionAsk<'_>) -> String {
    match ask.heading {
        None => format!(
            "Write the introduction of the article \"{}\" in about {} words. Use the words \"{}\" in the first sentence.",
            ask.title, ask.words, brief.primary_keyword
        ),
        Some(heading) => format!(
            "Write the section \"{heading}\" of the article \"{}\" in about {} words.",
            ask.title, ask.words
        ),
    }
}

/// Ask for one section's prose.
pub fn section(brief: &Brief, ask: &SectionAsk<'_>, sampling: Sampling) -> ChatRequest {
    let user = format!(
        "{}{}\n{}",
        audience_line(brief),
        evidence_block(ask.evidence),
        task_line(brief, ask)
    );
    request(
        SECTION_SYSTEM,
        user,
        ask.max_new_tokens,
        sampling,
        ask.seed_offset,
    )
}

/// Ask for a section again, with what the gate found wrong in the previous draft.
pub fn repair(
    brief: &Brief,
    ask: &SectionAsk<'_>,
    previous: &str,
    feedback: &[String],
    sampling: Sampling,
) -> ChatRequest {
    let mut user = format!(
        "{}{}\nPrevious draft:\n{}\n\n{FEEDBACK_HEADING}\n",
        audience_line(brief),
        evidence_block(ask.evidence),
        previous.trim()
    );
    for item in feedback {
        user.push_str("- ");
        user.push_str(item);
        user.push('\n');
    }
    user.push_str(&task_line(brief, ask));
    user.push_str(" Fix every problem listed; keep only facts the sources support and cite them.");
    request(
        SECTION_SYSTEM,
        user,
        ask.max_new_tokens,
        sampling,
        ask.seed_offset,
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::generate::brief::ArticleFormat;

    pub(crate) fn brief() -> Brief {
        Brief {
            slug: "s".into(),
            title: "Home composting basics".into(),
            topic: None,
            primary_keyword: "home composting".into(),
            secondary_keywords: vec![],
            audience: Some("new gardeners".into()),
            sources: vec!["https://a.example/".into()],
            author_name: "Ann".into(),
            author_url: "https://a.example/ann".into(),
            min_words: 300,
            max_words: 600,
            format: ArticleFormat::Md,
            ymyl: false,
            notes: None,
        }
    }

    #[test]
    fn section_prompt_fences_numbered_evidence_and_repair_lists_feedback() {
        let evidence = vec![EvidenceChunk {
            number: 2,
            text: "Compost needs air.".into(),
        }];
        let ask = SectionAsk {
            title: "T",
            heading: Some("Air"),
            words: 80,
            evidence: &evidence,
            max_new_tokens: 100,
            seed_offset: 3,
        };
        let sampling = Sampling {
            temperature: 0.0,
            top_p: 1.0,
            seed: 10,
        };
        let r = section(&brief(), &ask, sampling);
        assert!(r.user.contains("[2] <<<SOURCE TEXT"), "{}", r.user);
        assert!(r.user.contains("section \"Air\""));
        assert_eq!(r.seed, 13);
        let r = repair(
            &brief(),
            &ask,
            "Old text.",
            &["EEAT008: uncited number".into()],
            sampling,
        );
        assert!(r.user.contains(FEEDBACK_HEADING));
        assert!(r.user.contains("- EEAT008: uncited number"));
        let o = outline(&brief(), 4, &["Greens and browns".into()], sampling);
        assert!(o.user.contains("Write 4 short section headings"));
    }
}
