//! A small HTTP/1.1 server on 127.0.0.1 for the sources tests: serves `fixtures/sites/` and
//! special routes (redirects, errors, slow and huge bodies, gzip, ETag), and records every
//! request so tests can assert what the client sent.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const HUGE_BYTES: usize = 20 * 1024 * 1024;

pub const ROBOTS: &str = "User-agent: *\nDisallow: /private/\n\nUser-agent: pressgate\nDisallow: /blocked/\nAllow: /blocked/ok$\n";

#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub path: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub at: Instant,
}

/// ETag of the /robots.txt the server gives with a 200; a request carrying it gets a 304.
pub const ROBOTS_ETAG: &str = "\"robots-v1\"";

/// How the server answers /robots.txt.
#[derive(Debug, Clone, Default)]
pub struct RobotsBehaviour {
    /// 200 serves [`ROBOTS`] with [`ROBOTS_ETAG`]; 404 and 5xx answer with that status.
    pub status: u16,
    /// Wait before answering, so concurrent clients overlap.
    pub delay: Duration,
    /// A `Cache-Control` header to send with the answer.
    pub cache_control: Option<String>,
}

#[derive(Default)]
struct State {
    robots: RobotsBehaviour,
    log: Mutex<Vec<RequestRecord>>,
    hits: Mutex<HashMap<String, usize>>,
    huge_written: AtomicUsize,
}

pub struct TestServer {
    pub addr: SocketAddr,
    state: Arc<State>,
}

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with_robots_status(200)
    }

    /// A server whose /robots.txt answers with `status` (404: no robots.txt, 503: unreachable).
    pub fn start_with_robots_status(status: u16) -> TestServer {
        TestServer::start_with_robots(RobotsBehaviour {
            status,
            ..RobotsBehaviour::default()
        })
    }

    /// A server whose /robots.txt behaves as `robots` says.
    pub fn start_with_robots(robots: RobotsBehaviour) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State {
            robots,
            ..State::default()
        });
        let accept_state = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = accept_state.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &state);
                });
            }
        });
        TestServer { addr, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn requests_to(&self, path: &str) -> Vec<RequestRecord> {
        self.state
            .log
            .lock()
            .expect("log")
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Every request received so far, in arrival order.
    pub fn all_requests(&self) -> Vec<RequestRecord> {
        self.state.log.lock().expect("log").clone()
    }

    pub fn huge_bytes_written(&self) -> usize {
        self.state.huge_written.load(Ordering::SeqCst)
    }
}

fn handle(mut stream: TcpStream, state: &State) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let hit = {
        let mut hits = state.hits.lock().expect("hits");
        let count = hits.entry(path.clone()).or_default();
        *count += 1;
        *count
    };
    state.log.lock().expect("log").push(RequestRecord {
        path: path.clone(),
        headers: headers.clone(),
        at: Instant::now(),
    });
    route(&mut stream, &path, &headers, hit, state)
}

fn send(
    stream: &mut TcpStream,
    status: &str,
    extra_headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in extra_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn html() -> Vec<(&'static str, String)> {
    vec![("Content-Type", "text/html; charset=utf-8".to_string())]
}

fn site_file(name: &str) -> Option<Vec<u8>> {
    if name.contains("..") || name.contains('/') {
        return None;
    }
    std::fs::read(fixtures_dir().join("sites").join(name)).ok()
}

const SIMPLE_PAGE: &str = "<html><head><title>Simple page</title></head><body><article><p>This simple page has one paragraph of real text, long enough to count as content.</p></article></body></html>";

fn robots(
    stream: &mut TcpStream,
    headers: &HashMap<String, String>,
    behaviour: &RobotsBehaviour,
) -> std::io::Result<()> {
    std::thread::sleep(behaviour.delay);
    let mut extra: Vec<(&str, String)> = Vec::new();
    if let Some(value) = &behaviour.cache_control {
        extra.push(("Cache-Control", value.clone()));
    }
    match behaviour.status {
        404 => send(stream, "404 Not Found", &extra, b""),
        500.. => send(stream, "503 Service Unavailable", &extra, b""),
        _ => {
            extra.push(("ETag", ROBOTS_ETAG.into()));
            if headers.get("if-none-match").map(String::as_str) == Some(ROBOTS_ETAG) {
                return send(stream, "304 Not Modified", &extra, b"");
            }
            extra.push(("Content-Type", "text/plain".into()));
            send(stream, "200 OK", &extra, ROBOTS.as_bytes())
        }
    }
}

fn route(
    stream: &mut TcpStream,
    path: &str,
    headers: &HashMap<String, String>,
    hit: usize,
    state: &State,
) -> std::io::Result<()> {
    if path == "/robots.txt" {
        return robots(stream, headers, &state.robots);
    }
    if let Some(name) = path.strip_prefix("/sites/") {
        return match site_file(name) {
            Some(body) => send(stream, "200 OK", &html(), &body),
            None => send(stream, "404 Not Found", &[], b"not found"),
        };
    }
    if let Some(n) = path.strip_prefix("/redirect/") {
        let n: usize = n.parse().unwrap_or(0);
        let location = if n == 0 {
            "/sites/news.html".to_string()
        } else {
            format!("/redirect/{}", n - 1)
        };
        return send(stream, "302 Found", &[("Location", location)], b"");
    }
    match path {
        "/loop/a" => send(stream, "302 Found", &[("Location", "/loop/b".into())], b""),
        "/loop/b" => send(
            stream,
            "301 Moved Permanently",
            &[("Location", "/loop/a".into())],
            b"",
        ),
        "/flaky" if hit == 1 => send(
            stream,
            "429 Too Many Requests",
            &[("Retry-After", "1".into())],
            b"slow down",
        ),
        "/flaky-date" if hit == 1 => {
            let when = chrono::Utc::now() + chrono::Duration::seconds(1);
            send(
                stream,
                "503 Service Unavailable",
                &[(
                    "Retry-After",
                    when.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
                )],
                b"maintenance",
            )
        }
        "/to-file" => send(
            stream,
            "302 Found",
            &[("Location", "file:///etc/passwd".into())],
            b"",
        ),
        "/latin1" => send(
            stream,
            "200 OK",
            &[("Content-Type", "text/html; charset=ISO-8859-1".into())],
            b"<html><body><article><p>Le caf\xe9 de la gare ouvre \xe0 six heures, m\xeame le dimanche matin.</p></article></body></html>",
        ),
        "/always-503" => send(stream, "503 Service Unavailable", &[], b"down"),
        "/flaky" | "/flaky-date" | "/simple" | "/blocked/page" | "/blocked/ok" => {
            send(stream, "200 OK", &html(), SIMPLE_PAGE.as_bytes())
        }
        "/slow" => {
            std::thread::sleep(Duration::from_secs(3));
            send(stream, "200 OK", &html(), SIMPLE_PAGE.as_bytes())
        }
        "/huge" | "/huge-chunked" => {
            let mut head = String::from(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n",
            );
            if path == "/huge" {
                head.push_str(&format!("Content-Length: {HUGE_BYTES}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes())?;
            let block = vec![b'a'; 64 * 1024];
            let mut written = 0;
            while written < HUGE_BYTES {
                stream.write_all(&block)?;
                written += block.len();
                state.huge_written.fetch_add(block.len(), Ordering::SeqCst);
            }
            stream.flush()
        }
        "/binary" => send(
            stream,
            "200 OK",
            &[("Content-Type", "application/octet-stream".into())],
            &[0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0, 1, 2, 3],
        ),
        "/disguised-binary" => send(
            stream,
            "200 OK",
            &html(),
            &[0x89, b'P', b'N', b'G', 0, 0, 0, 13],
        ),
        "/gzip" => {
            let page = site_file("news.html").unwrap_or_default();
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(&page)?;
            let body = encoder.finish()?;
            send(
                stream,
                "200 OK",
                &[
                    ("Content-Type", "text/html; charset=utf-8".into()),
                    ("Content-Encoding", "gzip".into()),
                ],
                &body,
            )
        }
        "/etag" => {
            if headers.get("if-none-match").map(String::as_str) == Some("\"v1\"") {
                send(
                    stream,
                    "304 Not Modified",
                    &[("ETag", "\"v1\"".into())],
                    b"",
                )
            } else {
                let page = site_file("docs.html").unwrap_or_default();
                let mut h = html();
                h.push(("ETag", "\"v1\"".into()));
                send(stream, "200 OK", &h, &page)
            }
        }
        "/last-modified" => {
            const STAMP: &str = "Wed, 21 Oct 2015 07:28:00 GMT";
            if headers.get("if-modified-since").map(String::as_str) == Some(STAMP) {
                send(stream, "304 Not Modified", &[], b"")
            } else {
                let mut h = html();
                h.push(("Last-Modified", STAMP.into()));
                send(stream, "200 OK", &h, SIMPLE_PAGE.as_bytes())
            }
        }
        _ => send(
            stream,
            "404 Not Found",
            &[("Content-Type", "text/plain".into())],
            b"not found",
        ),
    }
}
