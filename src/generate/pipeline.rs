//! One brief from sources to a gated article: evidence → outline → section drafts → assemble
//! → gate, then repair of the failing sections up to `max_attempts`, and optionally dropping
//! unsupported sentences. Writes nothing: the batch decides where the result goes.
use super::assemble::{assemble, ArticleMeta, Section};
use super::brief::{ArticleFormat, Brief};
use super::evidence::{Evidence, EvidenceChunk, SharedEmbedder};
use super::gate::{FactCheck, Gate, Verdict};
use super::postprocess::{
    clean_section, drop_repeats, drop_unsupported, ground_citations, parse_outline, SeenSentences,
};
use super::prompt::{self, Sampling, SectionAsk};
use super::repair::{failing_sections, unsupported_sentences};
use crate::doc::Format;
use crate::error::Result;
use crate::llm::backend::{ChatBackend, ChatReply, ChatRequest, FinishReason};
use crate::sources::Fetcher;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// How briefs are turned into articles; the same for every brief of a batch.
#[derive(Debug, Clone)]
pub struct PipelineSettings {
    /// Drafts judged per brief, the first included.
    pub max_attempts: u32,
    pub drop_unsupported: bool,
    pub sampling: Sampling,
    /// Cap on tokens generated per section.
    pub max_section_tokens: usize,
    /// H2 sections asked for (the introduction comes on top).
    pub sections: usize,
    /// Evidence chunks given to each section.
    pub evidence_per_section: usize,
    pub meta: ArticleMeta,
}

/// Shared, read-only parts of a batch run.
pub struct PipelineContext<'a> {
    pub settings: &'a PipelineSettings,
    pub gate: Gate<'a>,
    pub fetcher: &'a Fetcher,
    pub embedder: Option<SharedEmbedder<'a>>,
    /// Where source indexes are cached (reused by reruns).
    pub index_root: PathBuf,
    pub cancel: &'a AtomicBool,
}

/// What the pipeline is doing, for progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    Sources,
    Outline,
    Writing { section: usize, of: usize },
    Checking { attempt: u32 },
    Repairing { attempt: u32, sections: usize },
    DroppingUnsupported,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stage::Sources => write!(f, "fetching and indexing sources"),
            Stage::Outline => write!(f, "outline"),
            Stage::Writing { section, of } => write!(f, "writing section {section}/{of}"),
            Stage::Checking { attempt } => write!(f, "checking draft {attempt}"),
            Stage::Repairing { attempt, sections } => {
                write!(f, "repairing {sections} section(s), draft {attempt}")
            }
            Stage::DroppingUnsupported => write!(f, "dropping unsupported sentences"),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Event {
    Stage(Stage),
    /// Text arrived from the model: tokens so far in this reply and seconds since it started.
    Tokens {
        generated: usize,
        seconds: f64,
    },
}

/// A brief that went through the gate.
#[derive(Debug, Clone)]
pub struct Generated {
    pub published: bool,
    pub article: String,
    pub verdict: Verdict,
    pub attempts: u32,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub model_seconds: f64,
}

#[derive(Debug)]
pub enum Outcome {
    Done(Box<Generated>),
    /// Ctrl-C: nothing of this brief is kept.
    Cancelled,
}

/// A section with the evidence it was written from.
struct DraftSection {
    section: Section,
    evidence: Vec<EvidenceChunk>,
}

struct Run<'a, 'b> {
    ctx: &'a PipelineContext<'b>,
    backend: &'a mut dyn ChatBackend,
    observer: &'a mut dyn FnMut(Event),
    prompt_tokens: usize,
    generated_tokens: usize,
    model_seconds: f64,
}

impl Run<'_, '_> {
    fn cancelled(&self) -> bool {
        self.ctx.cancel.load(Ordering::Relaxed)
    }

    /// One model call; `None` when cancelled.
    fn chat(&mut self, request: &ChatRequest) -> Result<Option<ChatReply>> {
        let started = Instant::now();
        let mut pieces = 0usize;
        let observer = &mut *self.observer;
        let mut on_text = |_: &str| {
            pieces += 1;
            observer(Event::Tokens {
                generated: pieces,
                seconds: started.elapsed().as_secs_f64(),
            });
            ControlFlow::Continue(())
        };
        let reply = self
            .backend
            .chat(request, &mut on_text, Some(self.ctx.cancel))?;
        self.prompt_tokens += reply.prompt_tokens;
        self.generated_tokens += reply.generated_tokens;
        self.model_seconds += reply.seconds;
        if reply.finish == FinishReason::Cancelled || self.cancelled() {
            return Ok(None);
        }
        Ok(Some(reply))
    }

    fn stage(&mut self, stage: Stage) {
        (self.observer)(Event::Stage(stage));
    }
}

fn section_words(brief: &Brief, sections: usize) -> usize {
    let target = (brief.min_words + brief.max_words) / 2;
    (target / sections.max(1)).clamp(40, 400)
}

/// Run one brief through the pipeline.
pub fn run_brief(
    ctx: &PipelineContext<'_>,
    backend: &mut dyn ChatBackend,
    mut fact_check: Option<&mut dyn FactCheck>,
    brief: &Brief,
    observer: &mut dyn FnMut(Event),
) -> Result<Outcome> {
    let settings = ctx.settings;
    let mut run = Run {
        ctx,
        backend,
        observer,
        prompt_tokens: 0,
        generated_tokens: 0,
        model_seconds: 0.0,
    };
    run.stage(Stage::Sources);
    let evidence = Evidence::gather(&brief.sources, ctx.fetcher, ctx.embedder, &ctx.index_root)?;
    if run.cancelled() {
        return Ok(Outcome::Cancelled);
    }

    run.stage(Stage::Outline);
    let hints = evidence.source_headings();
    let Some(reply) = run.chat(&prompt::outline(
        brief,
        settings.sections,
        &hints,
        settings.sampling,
    ))?
    else {
        return Ok(Outcome::Cancelled);
    };
    let mut headings = parse_outline(&reply.text, &brief.title, settings.sections);
    // A weak outline is completed from the sources' own headings.
    for hint in &hints {
        if headings.len() >= settings.sections {
            break;
        }
        if hint.split_whitespace().count() <= 10
            && !headings.iter().any(|h| h.eq_ignore_ascii_case(hint))
        {
            headings.push(hint.clone());
        }
    }
    if headings.is_empty() {
        headings.push(format!("What to know about {}", brief.primary_keyword));
    }

    let total = headings.len() + 1;
    let words = section_words(brief, total);
    let max_new_tokens = (words * 2).min(settings.max_section_tokens).max(16);
    let plan: Vec<Option<String>> = std::iter::once(None)
        .chain(headings.into_iter().map(Some))
        .collect();
    let mut draft: Vec<DraftSection> = Vec::with_capacity(plan.len());
    // Small models repeat themselves across sections; a sentence is kept only the first time.
    let mut seen = SeenSentences::default();
    for (i, heading) in plan.into_iter().enumerate() {
        run.stage(Stage::Writing {
            section: i + 1,
            of: total,
        });
        let query = format!(
            "{} {} {}",
            brief.title,
            heading.as_deref().unwrap_or(""),
            brief.primary_keyword
        );
        let chunks = evidence.retrieve(&query, settings.evidence_per_section, ctx.embedder);
        let ask = SectionAsk {
            title: &brief.title,
            heading: heading.as_deref(),
            words,
            evidence: &chunks,
            max_new_tokens,
            seed_offset: 1 + i as u64,
        };
        let Some(reply) = run.chat(&prompt::section(brief, &ask, settings.sampling))? else {
            return Ok(Outcome::Cancelled);
        };
        let text = drop_repeats(
            &write_up(&reply, heading.as_deref(), &brief.title, &chunks),
            &mut seen,
        );
        draft.push(DraftSection {
            section: Section { heading, text },
            evidence: chunks,
        });
    }

    let format = match brief.format {
        ArticleFormat::Md => Format::Markdown,
        ArticleFormat::Html => Format::Html,
    };
    let path = format!("publish/{}.{}", brief.slug, brief.format.extension());
    let meta = settings.meta.for_brief(brief);
    let mut attempt = 1u32;
    let (mut article, mut verdict);
    loop {
        run.stage(Stage::Checking { attempt });
        let sections: Vec<Section> = draft.iter().map(|d| d.section.clone()).collect();
        let assembled = assemble(brief, &sections, &evidence.sources, &meta);
        verdict = ctx.gate.judge(
            &path,
            &assembled.text,
            format,
            fact_check.as_deref_mut(),
            &evidence.for_references(&assembled.references),
            brief.min_words,
        )?;
        article = assembled.text;
        if verdict.passed() || attempt >= settings.max_attempts {
            break;
        }
        let failing = failing_sections(&verdict, &assembled.section_spans);
        if failing.is_empty() {
            // Only document-level problems: rewriting prose cannot fix them.
            break;
        }
        attempt += 1;
        run.stage(Stage::Repairing {
            attempt,
            sections: failing.len(),
        });
        for (index, feedback) in &failing {
            let Some(part) = draft.get_mut(*index) else {
                continue;
            };
            let ask = SectionAsk {
                title: &brief.title,
                heading: part.section.heading.as_deref(),
                words,
                evidence: &part.evidence,
                max_new_tokens,
                seed_offset: 1 + *index as u64 + 1000 * u64::from(attempt),
            };
            let request =
                prompt::repair(brief, &ask, &part.section.text, feedback, settings.sampling);
            let Some(reply) = run.chat(&request)? else {
                return Ok(Outcome::Cancelled);
            };
            part.section.text = write_up(
                &reply,
                part.section.heading.as_deref(),
                &brief.title,
                &part.evidence,
            );
        }
    }

    if !verdict.passed() && settings.drop_unsupported {
        run.stage(Stage::DroppingUnsupported);
        let flagged = unsupported_sentences(&verdict);
        let mut sections = Vec::new();
        for (i, part) in draft.iter().enumerate() {
            let (text, _) = drop_unsupported(&part.section.text, &flagged);
            // The introduction stays even when empty; an emptied section loses its heading.
            if i == 0 || !text.is_empty() {
                sections.push(Section {
                    heading: part.section.heading.clone(),
                    text,
                });
            }
        }
        let assembled = assemble(brief, &sections, &evidence.sources, &meta);
        verdict = ctx.gate.judge(
            &path,
            &assembled.text,
            format,
            fact_check,
            &evidence.for_references(&assembled.references),
            brief.min_words,
        )?;
        article = assembled.text;
    }

    Ok(Outcome::Done(Box::new(Generated {
        published: verdict.passed(),
        article,
        verdict,
        attempts: attempt,
        prompt_tokens: run.prompt_tokens,
        generated_tokens: run.generated_tokens,
        model_seconds: run.model_seconds,
    })))
}

/// A reply turned into grounded section prose.
fn write_up(
    reply: &ChatReply,
    heading: Option<&str>,
    title: &str,
    chunks: &[EvidenceChunk],
) -> String {
    let valid: Vec<usize> = chunks.iter().map(|c| c.number).collect();
    let cleaned = clean_section(
        &reply.text,
        heading,
        title,
        &valid,
        reply.finish == FinishReason::Length,
    );
    ground_citations(&cleaned, chunks)
}
