//! ONNX Runtime environment: finding the shared library, the device (CPU or CUDA) and thread counts.
//!
//! `ort` panics when used without a library, so every entry point goes through [`environment`],
//! which checks the file first and turns load errors into [`Error::Setup`].
use crate::error::{Error, Result};
use ort::environment::Environment;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;

/// The ONNX Runtime release that `scripts/setup.sh` installs.
pub const ORT_VERSION: &str = "1.32.0";
const SETUP_HINT: &str = "run scripts/setup.sh to install ONNX Runtime, or pass --ort-lib PATH";

/// Where a session runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    /// CUDA when it registers, else CPU with one warning.
    #[default]
    Auto,
    Cpu,
    /// CUDA device by ordinal; failure to register is an error.
    Cuda(i32),
}

impl FromStr for Device {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        let lower = text.trim().to_ascii_lowercase();
        match lower.as_str() {
            "auto" => Ok(Device::Auto),
            "cpu" => Ok(Device::Cpu),
            "cuda" | "gpu" => Ok(Device::Cuda(0)),
            _ => {
                let ordinal = lower
                    .strip_prefix("cuda:")
                    .and_then(|n| n.parse::<i32>().ok())
                    .filter(|n| *n >= 0);
                match ordinal {
                    Some(n) => Ok(Device::Cuda(n)),
                    None => Err(Error::Usage(format!(
                        "unknown device `{text}`: expected auto, cpu, cuda or cuda:N"
                    ))),
                }
            }
        }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Device::Auto => write!(f, "auto"),
            Device::Cpu => write!(f, "cpu"),
            Device::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

/// How to create sessions: library location, device and threads.
#[derive(Debug, Clone, Default)]
pub struct RuntimeOptions {
    /// Explicit library path (`--ort-lib`); wins over the environment and the data dir.
    pub ort_lib: Option<PathBuf>,
    pub device: Device,
    /// Intra-op threads; `None` means the number of physical cores on the CPU, 1 on CUDA.
    pub intra_threads: Option<usize>,
}

// The data dir moved to `crate::paths`; re-exported because `llm` callers import it from here.
pub use crate::paths::data_dir;

/// The library to load: `--ort-lib` > `ORT_DYLIB_PATH` / `PRESSGATE_ORT_LIB` > data dir.
pub fn resolve_library(explicit: Option<&Path>) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    for var in ["ORT_DYLIB_PATH", "PRESSGATE_ORT_LIB"] {
        if let Some(value) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            return PathBuf::from(value);
        }
    }
    data_dir()
        .join("runtime")
        .join(format!("onnxruntime-{ORT_VERSION}"))
        .join(format!("libonnxruntime.so.{ORT_VERSION}"))
}

static ENVIRONMENT: Mutex<Option<(PathBuf, Environment)>> = Mutex::new(None);

/// The process-wide ONNX Runtime environment (ONNX Runtime allows one per process).
/// A second call reuses the first library; asking for a different one is an error.
pub fn environment(explicit_lib: Option<&Path>) -> Result<Environment> {
    let path = resolve_library(explicit_lib);
    let mut guard = ENVIRONMENT
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    if let Some((loaded, env)) = guard.as_ref() {
        if explicit_lib.is_some() && loaded != &path {
            return Err(Error::Usage(format!(
                "ONNX Runtime is already loaded from {}; cannot switch to {} in the same process",
                loaded.display(),
                path.display()
            )));
        }
        return Ok(env.clone());
    }
    if !path.is_file() {
        return Err(Error::Setup {
            message: format!("ONNX Runtime library not found at {}", path.display()),
            hint: SETUP_HINT.into(),
        });
    }
    let builder = ort::init_from(&path).map_err(|e| Error::Setup {
        message: format!(
            "cannot load ONNX Runtime from {} (need {ORT_VERSION}): {e}",
            path.display()
        ),
        hint: SETUP_HINT.into(),
    })?;
    let env = builder
        .with_name("pressgate")
        .with_telemetry(false)
        .build()
        .map_err(|e| Error::Setup {
            message: format!("cannot start ONNX Runtime from {}: {e}", path.display()),
            hint: SETUP_HINT.into(),
        })?;
    *guard = Some((path, env.clone()));
    Ok(env)
}

/// Physical cores (distinct `physical id`/`core id` pairs in /proc/cpuinfo), else logical CPUs.
pub fn physical_cores() -> usize {
    let logical = std::thread::available_parallelism().map_or(1, |n| n.get());
    let Ok(cpuinfo) = std::fs::read_to_string("/proc/cpuinfo") else {
        return logical;
    };
    let mut cores = std::collections::BTreeSet::new();
    let mut physical_id = String::new();
    for line in cpuinfo.lines() {
        if let Some((key, value)) = line.split_once(':') {
            match key.trim() {
                "physical id" => physical_id = value.trim().to_string(),
                "core id" => {
                    cores.insert((physical_id.clone(), value.trim().to_string()));
                }
                _ => {}
            }
        }
    }
    // A cgroup or affinity limit can allow fewer CPUs than the socket has cores.
    match cores.len() {
        0 => logical,
        n => n.min(logical),
    }
}

/// What a session was actually placed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Cpu,
    Cuda(i32),
}

/// A fresh CPU-configured builder: optimisation level, thread counts and spinning.
fn configured_builder(
    env: &Environment,
    threads: usize,
    spin: bool,
) -> std::result::Result<SessionBuilder, String> {
    let builder = ort::session::Session::builder(env).map_err(|e| e.to_string())?;
    let builder = builder
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(|e| e.to_string())?;
    let builder = builder
        .with_intra_threads(threads)
        .map_err(|e| e.to_string())?;
    let builder = builder.with_inter_threads(1).map_err(|e| e.to_string())?;
    let builder = match std::env::var_os(PROFILE_VAR) {
        Some(prefix) => builder.with_profiling(prefix).map_err(|e| e.to_string())?,
        None => builder,
    };
    builder
        .with_intra_op_spinning(spin)
        .map_err(|e| e.to_string())
}

/// Environment variable: a file prefix under which ONNX Runtime writes a per-node profile of
/// every run (its JSON trace), for benchmarks.
pub const PROFILE_VAR: &str = "PRESSGATE_ORT_PROFILE";

/// Environment override of the spinning decision (`1` spins, `0` sleeps), for benchmarks.
pub const SPIN_OVERRIDE_VAR: &str = "PRESSGATE_INTRA_OP_SPINNING";
/// How long [`intra_op_spinning`] watches the CPUs before deciding.
const IDLE_SAMPLE: std::time::Duration = std::time::Duration::from_millis(100);

/// Whether the intra-op workers of a `threads`-thread session should spin. One thread has no
/// workers. Otherwise: the override, else the CPUs this process may use that are idle right now
/// ([`spinning_pays_off_now`]), else the load average ([`spinning_pays_off`]).
fn intra_op_spinning(threads: usize) -> bool {
    if threads <= 1 {
        return false;
    }
    match std::env::var(SPIN_OVERRIDE_VAR)
        .ok()
        .as_deref()
        .map(str::trim)
    {
        Some("1") => return true,
        Some("0") => return false,
        _ => {}
    }
    // Sampled once per process: a second session (the embedder next to the generator) would
    // otherwise wait another 100 ms and mostly see the first one loading.
    static IDLE_AT_START: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();
    if let Some(idle) = *IDLE_AT_START.get_or_init(|| sample_idle_cpus(IDLE_SAMPLE)) {
        return spinning_pays_off_now(threads, idle);
    }
    spinning_pays_off(
        threads,
        std::thread::available_parallelism().map_or(1, usize::from),
        std::fs::read_to_string("/proc/loadavg").ok().as_deref(),
    )
}

/// Spin only when nearly every thread finds an idle CPU. A spinning worker on a CPU that other
/// work also wants takes the time slices the working thread needs: SmolLM2-135M int4, 2 threads
/// on 2 CPUs with one of them busy elsewhere (load average 1.8, which the load-average rule
/// still reads as free): 23.8 ms per decode step spinning, 14.4 ms sleeping.
pub fn spinning_pays_off_now(threads: usize, idle_cpus: f64) -> bool {
    idle_cpus + 0.5 >= threads as f64
}

/// Idle CPUs (0 to the number allowed) among those this process may run on, over `window`,
/// from two `/proc/stat` snapshots. `None` where /proc is missing or unreadable.
fn sample_idle_cpus(window: std::time::Duration) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let allowed = status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
        .and_then(parse_cpu_list)?;
    let before = std::fs::read_to_string("/proc/stat").ok()?;
    std::thread::sleep(window);
    let after = std::fs::read_to_string("/proc/stat").ok()?;
    idle_cpus_between(&before, &after, &allowed)
}

/// A kernel CPU list such as `0-3,8,10-11`; `None` when it does not parse.
pub fn parse_cpu_list(text: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.trim().is_empty()) {
        match part.trim().split_once('-') {
            Some((first, last)) => {
                let (first, last) = (first.parse::<usize>().ok()?, last.parse::<usize>().ok()?);
                if last < first {
                    return None;
                }
                cpus.extend(first..=last);
            }
            None => cpus.push(part.trim().parse().ok()?),
        }
    }
    (!cpus.is_empty()).then_some(cpus)
}

/// `(idle, total)` jiffies of the `cpuN` lines of a `/proc/stat` snapshot for N in `allowed`
/// (idle counts `idle` and `iowait`); `None` if one of them is missing.
fn cpu_jiffies(stat: &str, allowed: &[usize]) -> Option<(u64, u64)> {
    let mut found = 0;
    let (mut idle, mut total) = (0u64, 0u64);
    for line in stat.lines() {
        let mut fields = line.split_whitespace();
        let Some(cpu) = fields.next().and_then(|name| name.strip_prefix("cpu")) else {
            continue;
        };
        let Ok(index) = cpu.parse::<usize>() else {
            continue; // the aggregate `cpu` line
        };
        if !allowed.contains(&index) {
            continue;
        }
        let values: Vec<u64> = fields.filter_map(|v| v.parse().ok()).collect();
        // user nice system idle iowait irq softirq steal (guest time is inside user).
        let counted = values.get(..8)?;
        idle += counted[3] + counted[4];
        total += counted.iter().sum::<u64>();
        found += 1;
    }
    (found == allowed.len()).then_some((idle, total))
}

/// Idle CPUs between two `/proc/stat` snapshots, over the `allowed` CPUs.
pub fn idle_cpus_between(before: &str, after: &str, allowed: &[usize]) -> Option<f64> {
    let (idle_0, total_0) = cpu_jiffies(before, allowed)?;
    let (idle_1, total_1) = cpu_jiffies(after, allowed)?;
    let total = total_1.checked_sub(total_0).filter(|t| *t > 0)?;
    let idle = idle_1.checked_sub(idle_0)?.min(total);
    Some(idle as f64 / total as f64 * allowed.len() as f64)
}

/// Whether idle intra-op workers should spin (ONNX Runtime's default) rather than sleep.
/// Spinning saves the wake-up between kernels when the cores are free (SmolLM2-135M int4,
/// 2 threads on 2 idle cores: about 120 tok/s spinning, 100 sleeping), but on cores shared with
/// other work the spinning workers burn the time slices the working thread needs (load ~4:
/// 45-51 tok/s spinning, 59-81 sleeping). So: spin unless the 1-minute load average says the
/// cores are already oversubscribed. The average lags and counts our own recent work, so the
/// bar is the CPU count itself, not the CPUs left after our threads. Without `/proc/loadavg`,
/// keep ONNX Runtime's default. The fallback of [`intra_op_spinning`] when the CPUs' current
/// idle time cannot be read.
pub fn spinning_pays_off(threads: usize, cpus: usize, loadavg: Option<&str>) -> bool {
    let load = loadavg
        .and_then(|text| text.split_whitespace().next())
        .and_then(|first| first.parse::<f64>().ok());
    match load {
        Some(load) => load <= cpus.max(threads) as f64 + 0.5,
        None => true,
    }
}

/// Decoder weights (graph file plus its external data) from which `--device auto` runs a
/// decoder on CUDA rather than the CPU. ONNX Runtime's CUDA provider pays a fixed host-side
/// cost per node and step (about 675 nodes for SmolLM2-135M), whatever the model's size,
/// while a CPU step grows with the weights it reads. SmolLM2-135M int4 (192 MB) on an H200
/// against its 16 CPU cores: CUDA decodes 198 tok/s (5.1 ms a step, mostly launch cost), the
/// CPU 233 tok/s (4.3 ms), so the CPU would reach CUDA's step time near 230 MB of weights;
/// 512 MB leaves a margin for faster CPUs. CUDA still prefills long prompts faster (1005
/// tokens: 186 ms against 768 ms), which `--device cuda` keeps available.
pub const AUTO_CUDA_MIN_WEIGHT_BYTES: u64 = 512 << 20;

/// Whether `--device auto` should try CUDA for a decoder with `weight_bytes` of weights (see
/// [`AUTO_CUDA_MIN_WEIGHT_BYTES`]).
pub fn auto_prefers_cuda(weight_bytes: u64) -> bool {
    weight_bytes >= AUTO_CUDA_MIN_WEIGHT_BYTES
}

/// A session builder with threads and optimisation set, and the device registered.
pub fn session_builder(
    env: &Environment,
    options: &RuntimeOptions,
) -> Result<(SessionBuilder, Placement)> {
    let cpu_builder = || {
        let threads = options.intra_threads.unwrap_or_else(physical_cores).max(1);
        configured_builder(env, threads, intra_op_spinning(threads)).map_err(|e| {
            Error::Other(anyhow::anyhow!(
                "cannot configure an ONNX Runtime session: {e}"
            ))
        })
    };
    // On CUDA the CPU runs only the small shape nodes: intra-op workers there only take CPU
    // time from the thread that launches the kernels. SmolLM2-135M int4 on an H200, 16 cores:
    // decode 120 tok/s with 16 spinning workers, 169 with 16 sleeping, 198 with one thread.
    let cuda_builder = |ordinal| {
        configured_builder(env, options.intra_threads.unwrap_or(1).max(1), false)
            .and_then(|b| register_cuda(b, ordinal))
    };
    match options.device {
        Device::Cpu => Ok((cpu_builder()?, Placement::Cpu)),
        Device::Cuda(ordinal) => cuda_builder(ordinal).map_err(|reason| Error::Setup {
            message: format!("cannot use CUDA device {ordinal}: {reason}"),
            hint: "use --device cpu, or build with `--features cuda` and install onnxruntime-gpu with CUDA 13 and cuDNN 9".into(),
        }),
        // A CPU-only build has no GPU to fall back from: `auto` is simply the CPU, silently.
        Device::Auto if !cfg!(feature = "cuda") => Ok((cpu_builder()?, Placement::Cpu)),
        Device::Auto => match cuda_builder(0) {
            Ok(pair) => Ok(pair),
            Err(reason) => {
                warn_once(&format!("CUDA unavailable ({reason}); running on CPU"));
                Ok((cpu_builder()?, Placement::Cpu))
            }
        },
    }
}

#[cfg(feature = "cuda")]
fn register_cuda(
    builder: SessionBuilder,
    ordinal: i32,
) -> std::result::Result<(SessionBuilder, Placement), String> {
    let cuda = ort::ep::CUDA::default()
        .with_device_id(ordinal)
        .build()
        .error_on_failure();
    builder
        .with_execution_providers([cuda])
        .map(|b| (b, Placement::Cuda(ordinal)))
        .map_err(|e| e.to_string())
}

#[cfg(not(feature = "cuda"))]
fn register_cuda(
    _builder: SessionBuilder,
    _ordinal: i32,
) -> std::result::Result<(SessionBuilder, Placement), String> {
    Err("this build has no CUDA support (cargo feature `cuda`)".into())
}

fn warn_once(message: &str) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| eprintln!("warning: {message}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_parses_known_names_and_rejects_others() {
        assert_eq!("auto".parse::<Device>().ok(), Some(Device::Auto));
        assert_eq!("CPU".parse::<Device>().ok(), Some(Device::Cpu));
        assert_eq!("cuda".parse::<Device>().ok(), Some(Device::Cuda(0)));
        assert_eq!("cuda:3".parse::<Device>().ok(), Some(Device::Cuda(3)));
        assert!("cuda:-1".parse::<Device>().is_err());
        assert!("tpu".parse::<Device>().is_err());
        assert_eq!(Device::Cuda(2).to_string(), "cuda:2");
    }

    #[test]
    fn explicit_library_path_wins() {
        let explicit = Path::new("/opt/ort/libonnxruntime.so");
        assert_eq!(resolve_library(Some(explicit)), explicit);
    }

    #[test]
    fn spinning_unless_the_cores_are_oversubscribed() {
        assert!(spinning_pays_off(2, 2, Some("0.35 2.58 6.98 1/300 42")));
        assert!(spinning_pays_off(2, 2, Some("1.45 2.58 6.98 1/300 42")));
        assert!(spinning_pays_off(2, 2, Some("2.40 2.58 6.98 1/300 42")));
        assert!(!spinning_pays_off(2, 2, Some("3.40 5.71 9.31 4/300 42")));
        assert!(spinning_pays_off(2, 8, Some("3.40 5.71 9.31 4/300 42")));
        assert!(spinning_pays_off(2, 2, None));
        assert!(spinning_pays_off(2, 2, Some("garbage")));
    }

    #[test]
    fn spinning_now_needs_an_idle_cpu_for_nearly_every_thread() {
        assert!(spinning_pays_off_now(2, 2.0));
        assert!(spinning_pays_off_now(2, 1.6));
        assert!(!spinning_pays_off_now(2, 1.0));
        assert!(!spinning_pays_off_now(4, 2.0));
    }

    #[test]
    fn cpu_lists_parse_ranges_and_singles() {
        assert_eq!(parse_cpu_list("0-1"), Some(vec![0, 1]));
        assert_eq!(parse_cpu_list("0-2,5,7-8\n"), Some(vec![0, 1, 2, 5, 7, 8]));
        assert_eq!(parse_cpu_list("3"), Some(vec![3]));
        assert_eq!(parse_cpu_list(""), None);
        assert_eq!(parse_cpu_list("2-1"), None);
        assert_eq!(parse_cpu_list("a-b"), None);
    }

    #[test]
    fn idle_cpus_count_only_the_allowed_cpus() {
        let before = "cpu  900 0 100 1000 0 0 0 0 0 0\n\
                      cpu0 100 0 0 500 0 0 0 0 0 0\n\
                      cpu1 100 0 0 500 0 0 0 0 0 0\n\
                      cpu2 700 0 100 0 0 0 0 0 0 0\n\
                      intr 5\n";
        // Over 100 jiffies each: cpu0 all idle, cpu1 idle 20 + iowait 10, cpu2 busy.
        let after = "cpu  1170 0 100 1130 10 0 0 0 0 0\n\
                     cpu0 100 0 0 600 0 0 0 0 0 0\n\
                     cpu1 170 0 0 520 10 0 0 0 0 0\n\
                     cpu2 800 0 100 0 0 0 0 0 0 0\n";
        let idle = idle_cpus_between(before, after, &[0, 1]).expect("idle");
        assert!((idle - 1.3).abs() < 1e-9, "{idle}");
        let all = idle_cpus_between(before, after, &[0, 1, 2]).expect("idle");
        assert!((all - 1.3).abs() < 1e-9, "{all}");
        assert_eq!(idle_cpus_between(before, after, &[0, 9]), None);
        assert_eq!(
            idle_cpus_between(before, before, &[0]),
            None,
            "no time passed"
        );
    }

    #[test]
    fn auto_keeps_small_decoders_on_the_cpu() {
        assert!(!auto_prefers_cuda(192 << 20), "SmolLM2-135M int4");
        assert!(!auto_prefers_cuda(AUTO_CUDA_MIN_WEIGHT_BYTES - 1));
        assert!(auto_prefers_cuda(AUTO_CUDA_MIN_WEIGHT_BYTES));
        assert!(auto_prefers_cuda(1100 << 20), "a 1.7B int4 model");
    }

    #[test]
    fn physical_cores_is_at_least_one() {
        assert!(physical_cores() >= 1);
    }

    #[test]
    fn cpu_session_without_cuda_feature_reports_reason() {
        #[cfg(not(feature = "cuda"))]
        {
            let env = match environment(None) {
                Ok(env) => env,
                Err(e) => {
                    eprintln!("SKIPPED: ONNX Runtime not installed: {e}");
                    return;
                }
            };
            let options = RuntimeOptions {
                device: Device::Cuda(0),
                ..Default::default()
            };
            let err = session_builder(&env, &options).err().map(|e| e.to_string());
            assert!(err.is_some_and(|m| m.contains("CUDA")));
        }
    }
}
