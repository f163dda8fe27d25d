//! A loopback HTTP/1.1 server for the audit tests: serves a fixture site folder from
//! `fixtures/sites/audit/<site>/` plus generated routes with known defects (redirect chains and
//! loops, error statuses, slow and huge pages, an endless calendar, noindex headers, gzip
//! sitemaps), and records every request. [`SiteServer::start_tls`] serves the same over HTTPS
//! with a certificate from a test CA made at run time.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub at: Instant,
}

pub struct SiteServer {
    pub addr: SocketAddr,
    scheme: &'static str,
    log: Arc<Mutex<Vec<Request>>>,
}

/// A test certificate authority and a server certificate it signed for `127.0.0.1` and
/// `localhost`.
pub struct TestTls {
    /// The CA certificate, PEM: what a client must be told to trust.
    pub ca_pem: String,
    config: Arc<rustls::ServerConfig>,
}

impl TestTls {
    pub fn new() -> TestTls {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "pressgate test CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");

        let mut leaf_params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .expect("server params");
        leaf_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "127.0.0.1");
        let leaf_key = rcgen::KeyPair::generate().expect("server key");
        let leaf = leaf_params
            .signed_by(&leaf_key, &ca)
            .expect("server certificate");

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
            .expect("server TLS config");
        TestTls {
            ca_pem: ca.pem(),
            config: Arc::new(config),
        }
    }
}

pub fn site_dir(site: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sites/audit")
        .join(site)
}

impl SiteServer {
    /// Serve `fixtures/sites/audit/<site>/`; `{{BASE}}` in served files is replaced by this
    /// server's base URL and `{{OTHER}}` by `other` (a second server standing for another site).
    pub fn start(site: &str, other: Option<String>) -> SiteServer {
        SiteServer::serve(site, other, None)
    }

    /// Serve the site over HTTPS with `tls`'s certificate.
    pub fn start_tls(site: &str, other: Option<String>, tls: &TestTls) -> SiteServer {
        SiteServer::serve(site, other, Some(tls.config.clone()))
    }

    fn serve(
        site: &str,
        other: Option<String>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> SiteServer {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let log: Arc<Mutex<Vec<Request>>> = Arc::default();
        let root = site_dir(site);
        let accept_log = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let log = accept_log.clone();
                let root = root.clone();
                let other = other.clone();
                let tls = tls.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    let base = format!("{scheme}://{addr}");
                    let other = other.as_deref();
                    match tls.map(rustls::ServerConnection::new) {
                        None => {
                            let _ = handle(stream, &root, &base, other, &log);
                        }
                        Some(Ok(conn)) => {
                            // The handshake runs on the first read; a client that refuses the
                            // certificate ends it there.
                            let stream = rustls::StreamOwned::new(conn, stream);
                            let _ = handle(stream, &root, &base, other, &log);
                        }
                        Some(Err(_)) => {}
                    }
                });
            }
        });
        SiteServer { addr, scheme, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().expect("log").clone()
    }

    pub fn requested(&self, path: &str) -> bool {
        self.requests().iter().any(|r| r.path == path)
    }
}

fn handle<S: Read + Write>(
    mut stream: S,
    root: &std::path::Path,
    base: &str,
    other: Option<&str>,
    log: &Mutex<Vec<Request>>,
) -> std::io::Result<()> {
    let (method, path) = {
        // Requests have no body, so nothing the reader buffers past the head is lost.
        let mut reader = BufReader::new(&mut stream);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("GET").to_string();
        let path = parts.next().unwrap_or("/").to_string();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
                break;
            }
        }
        (method, path)
    };
    log.lock().expect("log").push(Request {
        method: method.clone(),
        path: path.clone(),
        at: Instant::now(),
    });
    let response = route(root, &path, base, other);
    response.send(&mut stream, method == "HEAD")
}

struct Response {
    status: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Response {
    fn new(status: &'static str, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    fn redirect(status: &'static str, location: &str) -> Response {
        Response {
            status,
            headers: vec![("Location", location.to_string())],
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    fn send(self, stream: &mut impl Write, head_only: bool) -> std::io::Result<()> {
        std::thread::sleep(self.delay);
        let mut head = format!(
            "HTTP/1.1 {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.status,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        if !head_only {
            // Large bodies go out in pieces; a client that stops reading ends the write.
            for chunk in self.body.chunks(64 * 1024) {
                stream.write_all(chunk)?;
            }
        }
        stream.flush()
    }
}

const HTML: &str = "text/html; charset=utf-8";

fn calendar_page(year: u32, month: u32) -> String {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><title>Events in {year}-{month:02}</title></head>\
         <body><h1>Events {year}-{month:02}</h1><p>No events.</p>\
         <a href=\"/calendar/{ny}/{nm:02}/\">Next month</a></body></html>"
    )
}

fn route(root: &std::path::Path, path: &str, base: &str, other: Option<&str>) -> Response {
    let path_only = path.split('?').next().unwrap_or(path);
    // Generated defects first.
    match path_only {
        "/old-path" => return Response::redirect("301 Moved Permanently", "/older-path"),
        "/older-path" => return Response::redirect("301 Moved Permanently", "/guide/"),
        "/loop-a" => return Response::redirect("302 Found", "/loop-b"),
        "/loop-b" => return Response::redirect("302 Found", "/loop-a"),
        "/gone/" => return Response::new("410 Gone", HTML, "<html><body>gone</body></html>"),
        "/file.pdf" => {
            return Response::new("200 OK", "application/pdf", b"%PDF-1.4 not really".to_vec())
        }
        "/huge/" => {
            let mut body = b"<html><head><title>Huge</title></head><body><p>".to_vec();
            body.resize(20 * 1024 * 1024, b'a');
            return Response::new("200 OK", HTML, body);
        }
        "/big/" => {
            let mut body = String::from(
                "<!doctype html><html lang=\"en\"><head><title>A big page</title></head><body>\
                 <h1>Big</h1><p>A page with a lot of markup.</p>",
            );
            body.push_str(&format!("<!-- {} -->", "padding ".repeat(4000)));
            body.push_str("</body></html>");
            return Response::new("200 OK", HTML, body);
        }
        "/very-slow/" => {
            let mut r = Response::new(
                "200 OK",
                HTML,
                "<html><head><title>Late</title></head></html>",
            );
            r.delay = Duration::from_secs(4);
            return r;
        }
        _ => {}
    }
    if let Some(rest) = path_only.strip_prefix("/calendar/") {
        let mut nums = rest.split('/').filter_map(|s| s.parse::<u32>().ok());
        if let (Some(y), Some(m)) = (nums.next(), nums.next()) {
            return Response::new("200 OK", HTML, calendar_page(y, m.clamp(1, 12)));
        }
    }
    if let Some(xml) = path_only.strip_suffix(".gz") {
        let Ok(text) = std::fs::read_to_string(root.join(xml.trim_start_matches('/'))) else {
            return Response::new("404 Not Found", HTML, "not found");
        };
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = gz.write_all(text.replace("{{BASE}}", base).as_bytes());
        return Response::new(
            "200 OK",
            "application/gzip",
            gz.finish().unwrap_or_default(),
        );
    }

    // Static files: `/x/` is `x/index.html`.
    let mut rel = path_only.trim_start_matches('/').to_string();
    if rel.is_empty() || rel.ends_with('/') {
        rel.push_str("index.html");
    }
    if rel.contains("..") {
        return Response::new("400 Bad Request", HTML, "bad path");
    }
    let file = root.join(&rel);
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Response::new("404 Not Found", HTML, "<html><body>not found</body></html>");
    };
    let text = text
        .replace("{{BASE}}", base)
        .replace("{{OTHER}}", other.unwrap_or("http://127.0.0.1:9"));
    let content_type = match file.extension().and_then(|e| e.to_str()) {
        Some("xml") => "application/xml",
        Some("txt") => "text/plain",
        _ => HTML,
    };
    let mut response = Response::new("200 OK", content_type, text);
    if rel == "header-noindex/index.html" {
        response.headers.push(("X-Robots-Tag", "noindex".into()));
    }
    if rel == "slow/index.html" {
        response.delay = Duration::from_millis(800);
    }
    // A cited source that answers late, so pages citing it ask for it while it is in flight.
    if rel == "study/index.html" {
        response.delay = Duration::from_millis(400);
    }
    response
}
