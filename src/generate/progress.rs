//! Progress of a batch: indicatif bars on a terminal (overall bar with ETA, one line per worker
//! with the brief's stage and tokens/s), plain lines otherwise, JSON Lines with
//! `--log-format json`, nothing but errors with `--quiet`.
use super::pipeline::Stage;
use super::report::ReportRow;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

enum Mode {
    Quiet,
    Json,
    /// Bars when stderr is a terminal; always a line per finished brief.
    Text {
        overall: ProgressBar,
        workers: Vec<ProgressBar>,
        interactive: bool,
    },
}

pub struct Progress {
    mode: Mode,
    /// Last tokens/s redraw per worker, to keep redraws cheap.
    last_draw: Mutex<Vec<Instant>>,
}

fn json_line(value: serde_json::Value) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{value}");
}

impl Progress {
    pub fn new(quiet: bool, format: LogFormat, workers: usize) -> Progress {
        let workers = workers.max(1);
        let mode = if quiet {
            Mode::Quiet
        } else if format == LogFormat::Json {
            Mode::Json
        } else {
            let interactive = std::io::stderr().is_terminal();
            let multi = MultiProgress::with_draw_target(if interactive {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            });
            let overall = multi.add(ProgressBar::new(0));
            overall.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} briefs  {elapsed} elapsed, ETA {eta}  {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let workers = (0..workers)
                .map(|_| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    bar.set_style(
                        ProgressStyle::with_template("  {spinner} {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar
                })
                .collect();
            Mode::Text {
                overall,
                workers,
                interactive,
            }
        };
        Progress {
            mode,
            last_draw: Mutex::new(vec![Instant::now(); workers]),
        }
    }

    /// The batch starts: `to_run` briefs to generate, `resumed` taken from the manifest.
    pub fn start(&self, to_run: usize, resumed: usize) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Json => {
                json_line(json!({"event": "start", "briefs": to_run, "resumed": resumed}))
            }
            Mode::Text {
                overall,
                interactive,
                ..
            } => {
                overall.set_length(to_run as u64);
                if resumed > 0 {
                    overall.set_message(format!("({resumed} done in an earlier run)"));
                }
                if !interactive {
                    eprintln!("generating {to_run} brief(s); {resumed} already done");
                }
            }
        }
    }

    pub fn stage(&self, worker: usize, slug: &str, stage: &Stage) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Json => {
                json_line(json!({"event": "stage", "slug": slug, "stage": stage.to_string()}))
            }
            Mode::Text { workers, .. } => {
                if let Some(bar) = workers.get(worker) {
                    bar.set_message(format!("{slug}: {stage}"));
                    bar.tick();
                }
            }
        }
    }

    pub fn tokens(&self, worker: usize, generated: usize, seconds: f64) {
        let Mode::Text {
            workers,
            interactive: true,
            ..
        } = &self.mode
        else {
            return;
        };
        let mut last = self.last_draw.lock().unwrap_or_else(|e| e.into_inner());
        let Some(when) = last.get_mut(worker) else {
            return;
        };
        if when.elapsed() < Duration::from_millis(200) {
            return;
        }
        *when = Instant::now();
        if let Some(bar) = workers.get(worker) {
            let rate = if seconds > 0.0 {
                generated as f64 / seconds
            } else {
                0.0
            };
            let stage = bar.message();
            let stage = stage.split(" · ").next().unwrap_or("");
            bar.set_message(format!("{stage} · {generated} tokens, {rate:.1} tok/s"));
        }
    }

    pub fn finished(&self, worker: usize, row: &ReportRow) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Json => json_line(json!({"event": "brief", "row": row})),
            Mode::Text {
                overall,
                workers,
                interactive,
            } => {
                let line = format!(
                    "{:<9} {} (attempts {}, {} words, {:.1} s){}",
                    row.status.as_str(),
                    row.slug,
                    row.attempts,
                    row.words,
                    row.seconds,
                    row.error
                        .as_ref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                );
                if *interactive {
                    overall.println(line);
                } else {
                    eprintln!("{line}");
                }
                overall.inc(1);
                if let Some(bar) = workers.get(worker) {
                    bar.set_message("idle");
                }
            }
        }
    }

    pub fn finish(&self) {
        if let Mode::Text {
            overall, workers, ..
        } = &self.mode
        {
            for bar in workers {
                bar.finish_and_clear();
            }
            overall.finish_and_clear();
        }
    }

    pub fn is_quiet(&self) -> bool {
        matches!(self.mode, Mode::Quiet)
    }

    pub fn is_json(&self) -> bool {
        matches!(self.mode, Mode::Json)
    }
}
