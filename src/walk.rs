//! Input discovery for `pressgate check`: files, directories (walked with `.gitignore`
//! respected), globs and `-` for stdin.
//!
//! Discovery never fails as a whole: a path that cannot be used becomes a [`WalkFailure`] naming
//! it, so the caller can report it next to the findings of the inputs that did work.
use globset::{GlobBuilder, GlobMatcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Extensions picked up when walking a directory (explicit file arguments are always checked).
pub const EXTENSIONS: &[&str] = &["md", "markdown", "mdx", "html", "htm"];

/// Name reported for stdin when `--stdin-filename` is not given.
pub const STDIN_NAME: &str = "-";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSource {
    File(PathBuf),
    Stdin,
}

/// One document to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Path as given or discovered, `/`-separated, without a leading `./`.
    pub display: String,
    pub source: InputSource,
}

/// A path that could not be turned into inputs (missing, unreadable directory, bad glob).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkFailure {
    pub display: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Discovery {
    /// Deduplicated, in argument order; files found in one directory or glob are sorted by path.
    pub inputs: Vec<Input>,
    pub failures: Vec<WalkFailure>,
}

/// Whether `path` has one of the [`EXTENSIONS`] (case-insensitive).
pub fn has_checked_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// `/`-separated display form of a path, without leading `./`.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut rest = text.as_str();
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped.trim_start_matches('/');
    }
    if rest.is_empty() {
        ".".to_owned()
    } else {
        rest.to_owned()
    }
}

/// Whether an argument is a glob rather than a literal path.
pub fn is_glob(arg: &str) -> bool {
    arg.contains(['*', '?', '[', '{'])
}

/// The directory a glob is rooted at: its leading components without glob syntax.
pub fn glob_base(pattern: &str) -> PathBuf {
    let mut base = PathBuf::new();
    for component in pattern.split('/') {
        if is_glob(component) {
            break;
        }
        base.push(if component.is_empty() { "/" } else { component });
    }
    // A pattern like `*.md` has no literal prefix; `a/b.md` (no glob part) is never passed here.
    if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    }
}

/// Resolve command-line arguments into inputs. `stdin_name` is the reported name for `-`.
pub fn discover(args: &[String], stdin_name: Option<&str>) -> Discovery {
    let mut out = Discovery::default();
    let mut seen = BTreeSet::new();
    let mut push = |out: &mut Discovery, input: Input| {
        if seen.insert((input.display.clone(), input.source == InputSource::Stdin)) {
            out.inputs.push(input);
        }
    };
    for arg in args {
        if arg == "-" {
            let display = stdin_name.unwrap_or(STDIN_NAME).replace('\\', "/");
            push(
                &mut out,
                Input {
                    display,
                    source: InputSource::Stdin,
                },
            );
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            for found in walk_dir(path, &|p| has_checked_extension(p), &mut out.failures) {
                push(&mut out, found);
            }
        } else if path.exists() {
            push(
                &mut out,
                Input {
                    display: display_path(path),
                    source: InputSource::File(path.to_path_buf()),
                },
            );
        } else if is_glob(arg) {
            match glob_inputs(arg, &mut out.failures) {
                Some(found) if found.is_empty() => out.failures.push(WalkFailure {
                    display: arg.clone(),
                    message: "glob matched no files".into(),
                }),
                Some(found) => found.into_iter().for_each(|i| push(&mut out, i)),
                None => {}
            }
        } else {
            out.failures.push(WalkFailure {
                display: display_path(path),
                message: "no such file or directory".into(),
            });
        }
    }
    out
}

fn glob_inputs(pattern: &str, failures: &mut Vec<WalkFailure>) -> Option<Vec<Input>> {
    let normalised = display_path(Path::new(pattern));
    // Shell semantics: `*` stays inside one path component, `**` crosses directories.
    let matcher: GlobMatcher = match GlobBuilder::new(&normalised)
        .literal_separator(true)
        .build()
    {
        Ok(glob) => glob.compile_matcher(),
        Err(e) => {
            failures.push(WalkFailure {
                display: pattern.to_owned(),
                message: format!("invalid glob: {}", e.kind()),
            });
            return None;
        }
    };
    let base = glob_base(&normalised);
    if !base.is_dir() {
        failures.push(WalkFailure {
            display: pattern.to_owned(),
            message: format!("glob base directory `{}` does not exist", base.display()),
        });
        return None;
    }
    Some(walk_dir(
        &base,
        &|p| matcher.is_match(display_path(p)),
        failures,
    ))
}

/// Files under `dir` (hidden files and `.gitignore`d paths skipped) that `keep` accepts, sorted.
fn walk_dir(
    dir: &Path,
    keep: &dyn Fn(&Path) -> bool,
    failures: &mut Vec<WalkFailure>,
) -> Vec<Input> {
    let mut found = Vec::new();
    // `require_git(false)`: a `.gitignore` counts even outside a git checkout (fresh CI copies).
    let walker = ignore::WalkBuilder::new(dir)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                if is_file && keep(entry.path()) {
                    found.push(Input {
                        display: display_path(entry.path()),
                        source: InputSource::File(entry.path().to_path_buf()),
                    });
                }
            }
            Err(err) => failures.push(WalkFailure {
                display: display_path(error_path(&err).unwrap_or(dir)),
                message: error_message(&err),
            }),
        }
    }
    found
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

/// The innermost cause, without the path (the caller prints it in front).
fn error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => error_message(err),
        ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            "permission denied: cannot read directory".into()
        }
        ignore::Error::Loop { ancestor, .. } => {
            format!("symbolic link loop back to {}", ancestor.display())
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn displays(d: &Discovery) -> Vec<&str> {
        d.inputs.iter().map(|i| i.display.as_str()).collect()
    }

    #[test]
    fn walks_directories_by_extension_and_respects_gitignore() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("docs/sub")).unwrap();
        fs::create_dir_all(root.join("build")).unwrap();
        for name in [
            "docs/a.md",
            "docs/b.HTML",
            "docs/sub/c.mdx",
            "docs/notes.txt",
            "build/out.md",
        ] {
            fs::write(root.join(name), "x").unwrap();
        }
        fs::write(root.join(".gitignore"), "build/\n").unwrap();
        let root_arg = root.to_string_lossy().into_owned();
        let d = discover(std::slice::from_ref(&root_arg), None);
        let rel: Vec<String> = displays(&d)
            .iter()
            .map(|p| p.trim_start_matches(&display_path(root)).to_owned())
            .collect();
        assert_eq!(rel, ["/docs/a.md", "/docs/b.HTML", "/docs/sub/c.mdx"]);
        assert!(d.failures.is_empty());
    }

    #[test]
    fn globs_match_below_their_base_and_stdin_uses_the_given_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = display_path(dir.path());
        fs::create_dir_all(dir.path().join("a/b")).unwrap();
        fs::write(dir.path().join("a/b/x.md"), "x").unwrap();
        fs::write(dir.path().join("a/y.html"), "x").unwrap();
        let args = vec![format!("{root}/a/**/*.md"), "-".to_owned()];
        let d = discover(&args, Some("docs/page.html"));
        assert_eq!(
            displays(&d),
            [format!("{root}/a/b/x.md").as_str(), "docs/page.html"]
        );
        assert_eq!(d.inputs[1].source, InputSource::Stdin);
    }

    #[test]
    fn missing_paths_and_empty_globs_are_failures_naming_them() {
        let d = discover(
            &["no/such/file.md".to_owned(), "no/such/*.md".to_owned()],
            None,
        );
        assert!(d.inputs.is_empty());
        assert_eq!(d.failures.len(), 2);
        assert_eq!(d.failures[0].display, "no/such/file.md");
        assert!(d.failures[1].message.contains("does not exist"));
    }

    #[test]
    fn walk_errors_name_the_path_and_the_cause() {
        // Root reads mode-000 directories, so the CLI test cannot always provoke this.
        let denied = ignore::Error::WithDepth {
            depth: 1,
            err: Box::new(ignore::Error::WithPath {
                path: PathBuf::from("./docs/locked"),
                err: Box::new(ignore::Error::Io(std::io::Error::from(
                    std::io::ErrorKind::PermissionDenied,
                ))),
            }),
        };
        assert_eq!(error_path(&denied), Some(Path::new("./docs/locked")));
        assert_eq!(
            error_message(&denied),
            "permission denied: cannot read directory"
        );
    }

    #[test]
    fn display_paths_are_normalised() {
        assert_eq!(display_path(Path::new("./a/./b.md")), "a/./b.md");
        assert_eq!(display_path(Path::new(".//x.md")), "x.md");
        assert_eq!(glob_base("docs/**/*.md"), PathBuf::from("docs"));
        assert_eq!(glob_base("*.md"), PathBuf::from("."));
    }
}
