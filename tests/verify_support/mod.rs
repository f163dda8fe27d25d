//! The loopback source server shared by the `verify` and `check --verify` tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub fn sources_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/verify/rules/sources")
}

/// Requests the server answered, by path.
pub type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// Serves `fixtures/verify/rules/sources/NAME` at `/NAME` as text/markdown (anything else is
/// a 404, robots.txt included) and counts every request.
pub fn serve() -> (String, Hits) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    let hits: Hits = Arc::default();
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counted = counted.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    return;
                }
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = first.split_whitespace().nth(1).unwrap_or("/").to_owned();
                *counted
                    .lock()
                    .expect("hits lock")
                    .entry(path.clone())
                    .or_default() += 1;
                let name = path.trim_start_matches('/');
                let body = (!name.contains("..") && !name.is_empty())
                    .then(|| std::fs::read(sources_dir().join(name)).ok())
                    .flatten();
                let mut stream = stream;
                let _ = match body {
                    Some(b) => write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/markdown; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        b.len()
                    )
                    .and_then(|_| stream.write_all(&b)),
                    None => write!(
                        stream,
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found"
                    ),
                };
            });
        }
    });
    (format!("http://{addr}"), hits)
}

pub fn hits_for(hits: &Hits, path: &str) -> usize {
    hits.lock()
        .expect("hits lock")
        .get(path)
        .copied()
        .unwrap_or(0)
}
