//! `pressgate generate`: briefs in, gated articles out.
//!
//! ```text
//! brief ─▶ evidence (fetch, chunk, index) ─▶ outline ─▶ sections (numbered evidence, [n])
//!       ─▶ assemble (front matter, references, JSON-LD, disclosure) ─▶ gate (rules + fact check)
//!       ─▶ repair failing sections (≤ max attempts) ─▶ publish/ or rejected/ + findings.json
//! ```
//!
//! One job per module: `brief` (CSV/JSONL + validation), `shard`, `evidence`, `prompt`,
//! `postprocess` (model text to prose), `assemble`, `gate`, `repair`, `pipeline` (one brief),
//! `batch` (workers, outputs, manifest), `output` (atomic writes), `manifest`, `report`,
//! `progress`, `signal` (Ctrl-C).
pub mod assemble;
pub mod batch;
pub mod brief;
pub mod evidence;
pub mod gate;
pub mod manifest;
pub mod output;
pub mod pipeline;
pub mod postprocess;
pub mod progress;
pub mod prompt;
pub mod repair;
pub mod report;
pub mod shard;
pub mod signal;

pub use batch::{run_batch, BatchOutcome, Worker};
pub use brief::{ArticleFormat, Brief, BriefProblem};
pub use gate::{FactCheck, FactCheckOutcome, Gate, Verdict};
pub use pipeline::{run_brief, PipelineContext, PipelineSettings};
pub use report::{BriefStatus, Report, ReportRow};
pub use shard::Shard;
