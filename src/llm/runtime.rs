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
    /// Intra-op threads; `None` means the number of physical cores.
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

/// A fresh CPU-configured builder: optimisation level and thread counts.
fn configured_builder(
    env: &Environment,
    threads: usize,
) -> std::result::Result<SessionBuilder, String> {
    let builder = ort::session::Session::builder(env).map_err(|e| e.to_string())?;
    let builder = builder
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(|e| e.to_string())?;
    let builder = builder
        .with_intra_threads(threads)
        .map_err(|e| e.to_string())?;
    let builder = builder.with_inter_threads(1).map_err(|e| e.to_string())?;
    let spin = spinning_pays_off(
        threads,
        std::thread::available_parallelism().map_or(1, usize::from),
        std::fs::read_to_string("/proc/loadavg").ok().as_deref(),
    );
    builder
        .with_intra_op_spinning(spin)
        .map_err(|e| e.to_string())
}

/// Whether idle intra-op workers should spin (ONNX Runtime's default) rather than sleep.
/// Spinning saves the wake-up between kernels when the cores are free (SmolLM2-135M int4,
/// 2 threads on 2 idle cores: about 120 tok/s spinning, 100 sleeping), but on cores shared with
/// other work the spinning workers burn the time slices the working thread needs (load ~4:
/// 45-51 tok/s spinning, 59-81 sleeping). So: spin unless the 1-minute load average says the
/// cores are already oversubscribed. The average lags and counts our own recent work, so the
/// bar is the CPU count itself, not the CPUs left after our threads. Without `/proc/loadavg`,
/// keep ONNX Runtime's default.
pub fn spinning_pays_off(threads: usize, cpus: usize, loadavg: Option<&str>) -> bool {
    let load = loadavg
        .and_then(|text| text.split_whitespace().next())
        .and_then(|first| first.parse::<f64>().ok());
    match load {
        Some(load) => load <= cpus.max(threads) as f64 + 0.5,
        None => true,
    }
}

/// A session builder with threads and optimisation set, and the device registered.
pub fn session_builder(
    env: &Environment,
    options: &RuntimeOptions,
) -> Result<(SessionBuilder, Placement)> {
    let threads = options.intra_threads.unwrap_or_else(physical_cores).max(1);
    let builder = configured_builder(env, threads).map_err(|e| {
        Error::Other(anyhow::anyhow!(
            "cannot configure an ONNX Runtime session: {e}"
        ))
    })?;
    match options.device {
        Device::Cpu => Ok((builder, Placement::Cpu)),
        Device::Cuda(ordinal) => register_cuda(builder, ordinal).map_err(|reason| Error::Setup {
            message: format!("cannot use CUDA device {ordinal}: {reason}"),
            hint: "use --device cpu, or build with `--features cuda` and install onnxruntime-gpu with CUDA 13 and cuDNN 9".into(),
        }),
        // A CPU-only build has no GPU to fall back from: `auto` is simply the CPU, silently.
        Device::Auto if !cfg!(feature = "cuda") => Ok((builder, Placement::Cpu)),
        Device::Auto => {
            // A failed registration consumes its builder, so CUDA is tried on a second one.
            let attempt = configured_builder(env, threads).and_then(|b| register_cuda(b, 0));
            match attempt {
                Ok(pair) => Ok(pair),
                Err(reason) => {
                    warn_once(&format!("CUDA unavailable ({reason}); running on CPU"));
                    Ok((builder, Placement::Cpu))
                }
            }
        }
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
