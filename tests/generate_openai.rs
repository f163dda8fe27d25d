//! `pressgate generate --backend openai` end to end against a loopback server that speaks the
//! chat-completions API: publishing, repair with findings feedback, rejection with findings,
//! resume after an interrupted or killed run, reports, shards and `report merge`.
use assert_cmd::Command;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const FEEDBACK: &str = "Problems to fix in the previous draft:";
const CITED: &str = "A compost pile needs greens and browns, air and water [1]. Turning the pile every one to two weeks lets air back in [1].";
const UNCITED: &str = "About 75 percent of gardeners in Norway started a bin in 2020.";

/// How the server answers one request body.
type Answer = dyn Fn(&Value) -> (u16, String) + Send + Sync;

/// A minimal HTTP/1.1 server for `POST /v1/chat/completions`; every request body is recorded.
struct ChatServer {
    url: String,
    requests: Arc<Mutex<Vec<Value>>>,
}

fn completion(text: &str) -> String {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    })
    .to_string()
}

fn serve_connection(stream: TcpStream, answer: Arc<Answer>, requests: Arc<Mutex<Vec<Value>>>) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let (status, text) = if request_line.starts_with("POST /v1/chat/completions") {
            requests.lock().expect("lock").push(value.clone());
            answer(&value)
        } else {
            (404, "{}".to_string())
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{text}",
            text.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

impl ChatServer {
    fn start(answer: impl Fn(&Value) -> (u16, String) + Send + Sync + 'static) -> ChatServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answer> = Arc::new(answer);
        let recorded = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (answer, recorded) = (answer.clone(), recorded.clone());
                std::thread::spawn(move || serve_connection(stream, answer, recorded));
            }
        });
        ChatServer { url, requests }
    }

    fn prompts(&self) -> Vec<String> {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .map(|r| {
                r["messages"]
                    .as_array()
                    .map(|m| {
                        m.iter()
                            .filter_map(|x| x["content"].as_str())
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default()
            })
            .collect()
    }
}

fn user_text(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string()
}

fn is_outline(body: &Value) -> bool {
    body["messages"][0]["content"]
        .as_str()
        .is_some_and(|s| s.contains("plan web articles"))
}

/// Cited prose that names the section asked for, so sections do not repeat each other.
fn cited(user: &str) -> String {
    let section = user
        .split("section \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("introduction");
    format!("The part on {section} starts from what every pile needs [1]. {CITED}")
}

/// The article a brief asks for, by words of its title in the prompt.
fn answer_for(body: &Value) -> (u16, String) {
    let user = user_text(body);
    if is_outline(body) {
        return (200, completion("1. Greens and browns\n2. Air and water"));
    }
    // "Always wrong" never cites; "Needs repair" cites once it gets the findings as feedback.
    if user.contains("Mixed") {
        // Cited prose plus an uncited statistic, however often it is asked.
        return (200, completion(&format!("{} {UNCITED}", cited(&user))));
    }
    let uncited = user.contains("Always wrong")
        || (user.contains("Needs repair") && !user.contains(FEEDBACK));
    if uncited {
        (200, completion(UNCITED))
    } else {
        (200, completion(&cited(&user)))
    }
}

const HEADER: &str = "slug,title,primary_keyword,sources,author_name,author_url,format,min_words\n";
const SOURCE: &str = "fixtures/sites/demo/composting-basics.html";

fn row(slug: &str, title: &str, format: &str) -> String {
    format!("{slug},{title},compost pile,{SOURCE},Maria Okafor,https://example.org/authors/maria,{format},20\n")
}

struct Batch {
    home: tempfile::TempDir,
    briefs: PathBuf,
    config: PathBuf,
    out: PathBuf,
}

fn batch(rows: &[String]) -> Batch {
    let home = tempfile::tempdir().expect("tempdir");
    let briefs = home.path().join("briefs.csv");
    std::fs::write(&briefs, format!("{HEADER}{}", rows.concat())).expect("write briefs");
    // Citations and the AI disclosure gate the articles; an uncited statistic (CITE001, a
    // warning) fails them under --fail-level warning.
    let config = home.path().join("pressgate.toml");
    std::fs::write(&config, "[rules]\nselect = [\"citations\", \"EEAT006\"]\n")
        .expect("write config");
    let out = home.path().join("out");
    Batch {
        home,
        briefs,
        config,
        out,
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn generate_args(b: &Batch, server: &ChatServer) -> Vec<String> {
    [
        "generate",
        b.briefs.to_str().expect("utf8"),
        "--out",
        b.out.to_str().expect("utf8"),
        "--backend",
        "openai",
        "--base-url",
        &server.url,
        "--model",
        "test-model",
        "--config",
        b.config.to_str().expect("utf8"),
        "--fail-level",
        "warning",
        "--date",
        "2026-01-15",
        "--retries",
        "0",
        "--no-cache",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn pressgate(b: &Batch) -> Command {
    let mut cmd = Command::cargo_bin("pressgate").expect("binary");
    cmd.current_dir(repo())
        .env("PRESSGATE_HOME", b.home.path())
        .env_remove("OPENAI_API_KEY");
    cmd
}

fn report(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("report.json"))
        .expect("json")
}

fn report_row<'a>(report: &'a Value, slug: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["slug"] == slug))
        .unwrap_or_else(|| panic!("no row for {slug}: {report}"))
}

#[test]
fn publishes_repairs_and_rejects_with_reports() {
    let server = ChatServer::start(answer_for);
    let b = batch(&[
        row("good-brief", "Compost basics", "md"),
        row("repaired-brief", "Needs repair compost", "html"),
        row("rejected-brief", "Always wrong compost", "md"),
    ]);
    let output = pressgate(&b)
        .args(generate_args(&b, &server))
        .args(["--jobs", "2"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "one brief is rejected: {stderr}"
    );

    // Published: front matter and JSON-LD that parse, the citation resolved.
    let article = std::fs::read_to_string(b.out.join("publish/good-brief.md")).expect("published");
    let doc = pressgate::doc::parse("good-brief.md", &article, pressgate::doc::Format::Markdown);
    assert!(doc.diagnostics.is_empty(), "{:?}", doc.diagnostics);
    assert_eq!(doc.meta("slug"), Some("good-brief"));
    assert_eq!(doc.meta("date"), Some("2026-01-15"));
    assert!(doc
        .meta("description")
        .is_some_and(|d| d.starts_with("The part on introduction starts")));
    let ld = doc.json_ld[0].value.as_ref().expect("JSON-LD parses");
    assert_eq!(ld["@type"], "Article");
    assert_eq!(ld["author"]["@type"], "Person");
    assert_eq!(ld["author"]["url"], "https://example.org/authors/maria");
    assert_eq!(ld["publisher"]["name"], "example.org");
    assert_eq!(doc.references.len(), 1);
    assert_eq!(
        doc.references[0].url.as_deref(),
        Some("https://garden-extension.example.org/composting-basics")
    );
    assert!(article.contains("## Greens and browns") && article.contains("## Air and water"));
    assert!(
        article.contains("## Heat and time"),
        "outline completed from source headings"
    );
    assert!(article.contains("AI-assistance disclosure"));

    // Repaired: the second draft was asked for with the finding as feedback, and passed.
    let prompts = server.prompts();
    assert!(
        prompts.iter().any(|p| p.contains("Needs repair")
            && p.contains(FEEDBACK)
            && p.contains("CITE001")
            && p.contains("75 percent")),
        "no repair prompt with the finding"
    );
    let repaired = std::fs::read_to_string(b.out.join("publish/repaired-brief.html"))
        .expect("repaired is published");
    assert!(repaired.starts_with("<!DOCTYPE html>") && !repaired.contains("75 percent"));

    // Rejected: the article and its findings, nothing in publish/.
    assert!(!b.out.join("publish/rejected-brief.md").exists());
    assert!(b.out.join("rejected/rejected-brief.md").is_file());
    let findings: Value = serde_json::from_str(
        &std::fs::read_to_string(b.out.join("rejected/rejected-brief.findings.json"))
            .expect("findings"),
    )
    .expect("findings json");
    assert!(
        findings.as_array().is_some_and(|f| f
            .iter()
            .any(|x| x["code"] == "CITE001" && x["line"].as_u64().is_some())),
        "{findings}"
    );

    // Reports: one row per brief with status, attempts, findings by code and tokens.
    let report = report(&b.out);
    let good = report_row(&report, "good-brief");
    assert_eq!(good["status"], "published");
    assert_eq!(good["attempts"], 1);
    // Outline, introduction, the two outlined sections and a third completed from the
    // source's own headings (4 sections are asked for by default).
    assert_eq!(good["prompt_tokens"], 100 * 5);
    assert_eq!(good["generated_tokens"], 20 * 5);
    assert_eq!(report_row(&report, "repaired-brief")["status"], "published");
    assert_eq!(report_row(&report, "repaired-brief")["attempts"], 2);
    let rejected = report_row(&report, "rejected-brief");
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["attempts"], 3);
    assert!(
        rejected["findings"]["CITE001"]
            .as_u64()
            .is_some_and(|n| n >= 1),
        "{rejected}"
    );
    let csv = std::fs::read_to_string(b.out.join("report.csv")).expect("csv");
    assert!(
        csv.starts_with("slug,status,attempts,words,findings,"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("rejected-brief,rejected,3,") && l.contains("CITE001:")),
        "{csv}"
    );

    // A rerun skips every finished brief and asks the server nothing.
    let before = server.prompts().len();
    pressgate(&b)
        .args(generate_args(&b, &server))
        .assert()
        .code(1);
    assert_eq!(
        server.prompts().len(),
        before,
        "finished briefs were generated again"
    );
    assert_eq!(report_row(&report_of(&b), "good-brief")["resumed"], true);

    // A changed brief is redone.
    std::fs::write(
        &b.briefs,
        format!(
            "{HEADER}{}",
            row("good-brief", "Compost basics again", "md")
        ),
    )
    .expect("rewrite");
    pressgate(&b)
        .args(generate_args(&b, &server))
        .assert()
        .success();
    assert!(server.prompts().len() > before);
}

fn report_of(b: &Batch) -> Value {
    report(&b.out)
}

/// Wait until `path` exists (the first brief is done) or fail after a while.
fn wait_for(path: &Path) {
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn slow_second_brief(body: &Value) -> (u16, String) {
    if user_text(body).contains("Slow compost") {
        std::thread::sleep(Duration::from_secs(2));
    }
    answer_for(body)
}

fn spawn(b: &Batch, server: &ChatServer) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("pressgate"))
        .current_dir(repo())
        .env("PRESSGATE_HOME", b.home.path())
        .env_remove("OPENAI_API_KEY")
        .args(generate_args(b, server))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn")
}

fn only_finished_files(out: &Path) {
    for dir in ["publish", "rejected"] {
        for entry in std::fs::read_dir(out.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                name.starts_with("first-brief"),
                "partial or unexpected file {dir}/{name}"
            );
        }
    }
}

#[test]
fn interrupted_run_stops_cleanly_and_resumes() {
    let server = ChatServer::start(slow_second_brief);
    let b = batch(&[
        row("first-brief", "Compost basics", "md"),
        row("second-brief", "Slow compost", "md"),
    ]);
    let child = spawn(&b, &server);
    wait_for(&b.out.join("publish/first-brief.md"));
    // Ctrl-C while the second brief waits for the server.
    std::thread::sleep(Duration::from_millis(300));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    only_finished_files(&b.out);

    let asked_first = |s: &ChatServer| {
        s.prompts()
            .iter()
            .filter(|p| p.contains("Compost basics"))
            .count()
    };
    let first_requests = asked_first(&server);
    pressgate(&b)
        .args(generate_args(&b, &server))
        .assert()
        .success();
    assert_eq!(
        asked_first(&server),
        first_requests,
        "the finished brief was generated again"
    );
    let report = report_of(&b);
    assert_eq!(report_row(&report, "first-brief")["resumed"], true);
    assert_eq!(report_row(&report, "second-brief")["status"], "published");
}

#[test]
fn killed_run_leaves_no_partial_files_and_resumes() {
    let server = ChatServer::start(slow_second_brief);
    let b = batch(&[
        row("first-brief", "Compost basics", "md"),
        row("second-brief", "Slow compost", "md"),
    ]);
    let mut child = spawn(&b, &server);
    wait_for(&b.out.join("manifest.json"));
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("kill");
    let _ = child.wait();
    only_finished_files(&b.out);
    assert!(b.out.join("publish/first-brief.md").is_file());
    let first_requests = server
        .prompts()
        .iter()
        .filter(|p| p.contains("Compost basics"))
        .count();
    pressgate(&b)
        .args(generate_args(&b, &server))
        .assert()
        .success();
    assert_eq!(
        server
            .prompts()
            .iter()
            .filter(|p| p.contains("Compost basics"))
            .count(),
        first_requests
    );
    assert!(b.out.join("publish/second-brief.md").is_file());
}

#[test]
fn shards_partition_the_batch_and_reports_merge() {
    let server = ChatServer::start(answer_for);
    let rows: Vec<String> = (0..6)
        .map(|i| {
            row(
                &format!("compost-{i}"),
                &format!("Compost basics {i}"),
                "md",
            )
        })
        .collect();
    let b = batch(&rows);
    let mut outs = Vec::new();
    for k in 1..=2 {
        let out = b.home.path().join(format!("shard-{k}"));
        let mut args = generate_args(&b, &server);
        let at = args.iter().position(|a| a == "--out").expect("flag") + 1;
        args[at] = out.to_str().expect("utf8").to_string();
        pressgate(&b)
            .args(&args)
            .args(["--shard", &format!("{k}/2"), "--quiet"])
            .assert()
            .success()
            .stdout("")
            .stderr("");
        outs.push(out);
    }
    let slugs = |out: &Path| -> Vec<String> {
        report(out)["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["slug"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let (first, second) = (slugs(&outs[0]), slugs(&outs[1]));
    assert!(
        !first.is_empty() && !second.is_empty(),
        "{first:?} {second:?}"
    );
    assert!(first.iter().all(|s| !second.contains(s)), "shards overlap");
    assert_eq!(first.len() + second.len(), 6);

    let merged = b.home.path().join("merged");
    pressgate(&b)
        .args(["report", "merge", "--out", merged.to_str().expect("utf8")])
        .arg(&outs[0])
        .arg(outs[1].join("report.json"))
        .assert()
        .success();
    let rows = report(&merged)["rows"].as_array().expect("rows").len();
    assert_eq!(rows, 6);
    // The same shard twice is two batches mixed up: refused.
    pressgate(&b)
        .args(["report", "merge", "--out", merged.to_str().expect("utf8")])
        .arg(&outs[0])
        .arg(&outs[0])
        .assert()
        .code(2);
    pressgate(&b)
        .args(generate_args(&b, &server))
        .args(["--shard", "3/2"])
        .assert()
        .code(2);
}

#[test]
fn server_errors_are_retried_then_reported_as_failed() {
    let calls = Arc::new(Mutex::new(0usize));
    let counter = calls.clone();
    // Every other request fails with 503: retries get through.
    let server = ChatServer::start(move |body| {
        let mut n = counter.lock().expect("lock");
        *n += 1;
        if *n % 2 == 1 {
            (503, "{\"error\":\"busy\"}".into())
        } else {
            answer_for(body)
        }
    });
    let b = batch(&[row("flaky-brief", "Compost basics", "md")]);
    let mut args = generate_args(&b, &server);
    let retries = args.iter().position(|a| a == "--retries").expect("flag") + 1;
    args[retries] = "2".into();
    pressgate(&b).args(&args).assert().success();
    assert!(b.out.join("publish/flaky-brief.md").is_file());

    // A server that always fails: the brief is failed in the report, and retried next run.
    let down = ChatServer::start(|_| (500, "{}".into()));
    let b = batch(&[row("down-brief", "Compost basics", "md")]);
    pressgate(&b)
        .args(generate_args(&b, &down))
        .assert()
        .code(1);
    let report = report_of(&b);
    let row = report_row(&report, "down-brief");
    assert_eq!(row["status"], "failed");
    assert!(
        row["error"]
            .as_str()
            .is_some_and(|e| e.contains("HTTP 500")),
        "{row}"
    );
}

#[test]
fn drop_unsupported_removes_uncited_sentences_and_publishes() {
    let server = ChatServer::start(answer_for);
    let b = batch(&[row("mixed-brief", "Mixed compost", "md")]);
    // Without the flag the uncited statistic keeps it out of publish/.
    pressgate(&b)
        .args(generate_args(&b, &server))
        .args(["--max-attempts", "2"])
        .assert()
        .code(1);
    assert!(b.out.join("rejected/mixed-brief.md").is_file());
    pressgate(&b)
        .args(generate_args(&b, &server))
        .args(["--max-attempts", "2", "--drop-unsupported"])
        .assert()
        .success();
    let article = std::fs::read_to_string(b.out.join("publish/mixed-brief.md")).expect("published");
    assert!(
        !article.contains("75 percent"),
        "the uncited sentence is gone"
    );
    assert!(article.contains("Turning the pile every one to two weeks"));
    assert!(
        !b.out.join("rejected/mixed-brief.md").exists(),
        "the old rejection is removed"
    );
    assert!(!b.out.join("rejected/mixed-brief.findings.json").exists());
}

const WRONG_HEAT: &str =
    "An active pile heats up to between 85 and 95 degrees Celsius in its centre [1].";
const RIGHT_HEAT: &str =
    "An active pile heats up to between 55 and 65 degrees Celsius in its centre [1].";

/// Drafts that misstate the source's temperature range until the feedback names the changed
/// number; "Stubborn" drafts never correct it.
fn heat_answer(body: &Value) -> (u16, String) {
    if is_outline(body) {
        return (200, completion("1. Greens and browns\n2. Air and water"));
    }
    let user = user_text(body);
    let corrected =
        user.contains(FEEDBACK) && user.contains("FACT002") && !user.contains("Stubborn");
    let heat = if corrected { RIGHT_HEAT } else { WRONG_HEAT };
    (200, completion(&format!("{CITED} {heat}")))
}

#[test]
fn changed_number_is_caught_by_the_fact_check_then_repaired_or_rejected() {
    let server = ChatServer::start(heat_answer);
    let b = batch(&[
        row("heat-repaired", "Compost heat", "md"),
        row("heat-rejected", "Stubborn compost heat", "md"),
    ]);
    std::fs::write(
        &b.config,
        "[rules]\nselect = [\"citations\", \"facts\", \"EEAT006\"]\n",
    )
    .expect("write config");
    let output = pressgate(&b)
        .args(generate_args(&b, &server))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "one brief is rejected: {stderr}"
    );

    // The repair prompt carries the fact check's finding and the source's own numbers.
    let prompts = server.prompts();
    assert!(
        prompts.iter().any(|p| p.contains("Compost heat")
            && p.contains(FEEDBACK)
            && p.contains("FACT002")
            && p.contains("55")),
        "no repair prompt with the changed number"
    );
    let article =
        std::fs::read_to_string(b.out.join("publish/heat-repaired.md")).expect("repaired");
    assert!(article.contains("55 and 65") && !article.contains("85 and 95"));

    let findings: Value = serde_json::from_str(
        &std::fs::read_to_string(b.out.join("rejected/heat-rejected.findings.json"))
            .expect("findings"),
    )
    .expect("findings json");
    let changed = findings
        .as_array()
        .and_then(|f| f.iter().find(|x| x["code"] == "FACT002"))
        .unwrap_or_else(|| panic!("no FACT002 in {findings}"));
    assert!(
        changed.to_string().contains("55 and 65"),
        "the evidence quote is kept: {changed}"
    );
    let report = report(&b.out);
    assert_eq!(report_row(&report, "heat-repaired")["attempts"], 2);
    assert_eq!(report_row(&report, "heat-rejected")["status"], "rejected");

    // Without the fact check the wrong number is published: the gate above is the verifier.
    let unchecked = batch(&[row("heat-unchecked", "Stubborn compost heat", "md")]);
    std::fs::write(
        &unchecked.config,
        "[rules]\nselect = [\"citations\", \"facts\", \"EEAT006\"]\n",
    )
    .expect("write config");
    pressgate(&unchecked)
        .args(generate_args(&unchecked, &server))
        .arg("--no-verify")
        .assert()
        .success();
    let published = std::fs::read_to_string(unchecked.out.join("publish/heat-unchecked.md"))
        .expect("published without the fact check");
    assert!(published.contains("85 and 95"));
}
