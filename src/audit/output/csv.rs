//! `--format csv`: one row per page × finding, with the page's HTTP facts on every row.
use crate::audit::model::{AuditFinding, AuditReport, PageRecord};

const HEADER: [&str; 16] = [
    "url",
    "final_url",
    "status",
    "depth",
    "response_ms",
    "bytes",
    "indexable",
    "inlinks",
    "title",
    "code",
    "severity",
    "category",
    "line",
    "column",
    "message",
    "related",
];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn row(page: Option<&PageRecord>, f: Option<&AuditFinding>) -> Vec<String> {
    let mut r = match page {
        Some(p) => vec![
            p.url.clone(),
            p.final_url.clone(),
            opt(p.status),
            p.depth.to_string(),
            p.response_ms.to_string(),
            p.bytes.to_string(),
            p.indexable.to_string(),
            p.inlinks.to_string(),
            p.title.clone().unwrap_or_default(),
        ],
        None => vec![String::new(); 9],
    };
    match f {
        Some(f) => r.extend([
            f.code.to_string(),
            f.severity.to_string(),
            f.category.as_str().to_string(),
            opt(f.line),
            opt(f.column),
            f.message.to_string(),
            f.related.join(" "),
        ]),
        None => r.extend(vec![String::new(); 7]),
    }
    r
}

pub fn write(report: &AuditReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    let io = |e: ::csv::Error| std::io::Error::other(e.to_string());
    w.write_record(HEADER).map_err(io)?;
    for page in &report.pages {
        if page.findings.is_empty() {
            w.write_record(row(Some(page), None)).map_err(io)?;
        }
        for f in &page.findings {
            w.write_record(row(Some(page), Some(f))).map_err(io)?;
        }
    }
    for f in &report.site_findings {
        w.write_record(row(None, Some(f))).map_err(io)?;
    }
    w.flush()
}
